<?php

function pluck(array $rows, string $key): array
{
    return [null];
}
