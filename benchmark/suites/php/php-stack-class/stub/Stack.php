<?php

class Stack
{
}
