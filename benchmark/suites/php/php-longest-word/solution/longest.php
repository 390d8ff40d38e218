<?php

function longestWord(string $text): string
{
    preg_match_all('/[a-zA-Z]+/', $text, $matches);
    $best = '';
    foreach ($matches[0] as $word) {
        if (strlen($word) > strlen($best)) {
            $best = $word;
        }
    }
    return $best;
}
