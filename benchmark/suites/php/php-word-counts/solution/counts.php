<?php

function wordCounts(string $text): array
{
    $counts = [];
    foreach (preg_split('/\s+/', strtolower($text), -1, PREG_SPLIT_NO_EMPTY) as $word) {
        $counts[$word] = ($counts[$word] ?? 0) + 1;
    }
    return $counts;
}
