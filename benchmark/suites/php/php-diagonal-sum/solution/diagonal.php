<?php

function diagonalSum(array $matrix): int
{
    $n = count($matrix);
    $sum = 0;
    for ($i = 0; $i < $n; $i++) {
        $sum += $matrix[$i][$i];
        if ($i !== $n - 1 - $i) {
            $sum += $matrix[$i][$n - 1 - $i];
        }
    }
    return $sum;
}
