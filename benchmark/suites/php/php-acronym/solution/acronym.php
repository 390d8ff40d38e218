<?php

function acronym(string $phrase): string
{
    $out = '';
    foreach (preg_split('/[ \-]+/', $phrase, -1, PREG_SPLIT_NO_EMPTY) as $word) {
        $out .= strtoupper($word[0]);
    }
    return $out;
}
