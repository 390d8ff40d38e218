<?php

function pluck(array $rows, string $key): array
{
    $out = [];
    foreach ($rows as $row) {
        if (array_key_exists($key, $row)) {
            $out[] = $row[$key];
        }
    }
    return $out;
}
