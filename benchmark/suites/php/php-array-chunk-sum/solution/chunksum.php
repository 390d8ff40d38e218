<?php

function chunkSums(array $numbers, int $size): array
{
    if ($size < 1) {
        throw new InvalidArgumentException('size must be at least 1');
    }
    return array_map('array_sum', array_chunk($numbers, $size));
}
