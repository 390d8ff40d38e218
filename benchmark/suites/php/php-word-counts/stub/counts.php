<?php

function wordCounts(string $text): array
{
    return [];
}
