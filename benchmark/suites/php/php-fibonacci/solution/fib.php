<?php

function fibonacci(int $n): array
{
    if ($n < 0) {
        throw new InvalidArgumentException('n must not be negative');
    }
    $out = [];
    [$a, $b] = [0, 1];
    for ($i = 0; $i < $n; $i++) {
        $out[] = $a;
        [$a, $b] = [$b, $a + $b];
    }
    return $out;
}
