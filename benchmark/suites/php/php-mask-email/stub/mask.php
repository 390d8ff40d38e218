<?php

function maskEmail(string $email): string
{
    return $email;
}
