<?php

function isPrime(int $n): bool
{
    return true;
}
