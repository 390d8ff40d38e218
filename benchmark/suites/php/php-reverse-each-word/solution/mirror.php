<?php

function mirrorWords(string $text): string
{
    return implode(' ', array_map('strrev', explode(' ', $text)));
}
