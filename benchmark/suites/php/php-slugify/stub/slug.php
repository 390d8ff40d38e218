<?php

function slugify(string $title): string
{
    return '';
}
