<?php

function maskEmail(string $email): string
{
    $parts = explode('@', $email);
    if (count($parts) !== 2 || $parts[0] === '') {
        throw new InvalidArgumentException("not an email: $email");
    }
    return $parts[0][0] . '***@' . $parts[1];
}
