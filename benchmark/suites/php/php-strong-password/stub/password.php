<?php

function isStrongPassword(string $password): bool
{
    return true;
}
