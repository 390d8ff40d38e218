<?php

$names = array_slice($argv, 1);
if (count($names) === 0) {
    $who = 'world';
} elseif (count($names) === 1) {
    $who = $names[0];
} else {
    $who = implode(', ', array_slice($names, 0, -1)) . ' and ' . end($names);
}
echo "Hello, $who!\n";
