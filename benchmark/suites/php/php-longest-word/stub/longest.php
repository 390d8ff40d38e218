<?php

function longestWord(string $text): string
{
    return '?';
}
