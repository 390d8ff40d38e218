<?php

function cartTotal(array $items): float
{
    $total = 0.0;
    foreach ($items as $item) {
        if ($item['qty'] < 0) {
            throw new InvalidArgumentException('qty must not be negative');
        }
        $total += $item['price'] * $item['qty'];
    }
    return round($total, 2);
}
