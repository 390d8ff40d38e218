<?php

function ordinal(int $n): string
{
    if (in_array($n % 100, [11, 12, 13], true)) {
        return $n . 'th';
    }
    return $n . ([1 => 'st', 2 => 'nd', 3 => 'rd'][$n % 10] ?? 'th');
}
