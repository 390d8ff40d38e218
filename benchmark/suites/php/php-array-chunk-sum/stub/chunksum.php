<?php

function chunkSums(array $numbers, int $size): array
{
    return [];
}
