<?php

function acronym(string $phrase): string
{
    return '';
}
