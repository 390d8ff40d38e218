<?php

$text = stream_get_contents(STDIN);
$lines = explode("\n", rtrim($text, "\n"));
if ($text === '') {
    exit(0);
}
foreach ($lines as $line) {
    echo $line === '' ? "\n" : strtoupper($line) . "!\n";
}
