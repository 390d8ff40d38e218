<?php

class Stack
{
    private array $items = [];

    public function push(mixed $value): void
    {
        $this->items[] = $value;
    }

    public function pop(): mixed
    {
        if ($this->items === []) {
            throw new UnderflowException('pop from an empty stack');
        }
        return array_pop($this->items);
    }

    public function peek(): mixed
    {
        if ($this->items === []) {
            throw new UnderflowException('peek at an empty stack');
        }
        return $this->items[count($this->items) - 1];
    }

    public function isEmpty(): bool
    {
        return $this->items === [];
    }

    public function size(): int
    {
        return count($this->items);
    }
}
