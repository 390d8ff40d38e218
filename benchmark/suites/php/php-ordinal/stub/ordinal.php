<?php

function ordinal(int $n): string
{
    return (string) $n;
}
