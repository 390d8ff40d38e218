<?php

function fibonacci(int $n): array
{
    return [];
}
