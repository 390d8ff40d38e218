<?php

function mirrorWords(string $text): string
{
    return $text;
}
