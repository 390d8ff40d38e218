<?php

$total = 0;
foreach (array_slice($argv, 1) as $arg) {
    if (!is_numeric($arg)) {
        fwrite(STDERR, "error: not a number: $arg\n");
        exit(1);
    }
    $total += $arg + 0;
}
echo $total, "\n";
