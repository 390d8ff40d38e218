<?php

function sumPositive(array $numbers): int
{
    return array_sum(array_filter($numbers, fn($n) => $n > 0));
}
