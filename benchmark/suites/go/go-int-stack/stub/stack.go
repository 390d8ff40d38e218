package stack

type Stack struct{}

func (s *Stack) Push(v int) {}

func (s *Stack) Pop() (int, bool) { return 0, false }

func (s *Stack) Peek() (int, bool) { return 0, false }

func (s *Stack) Len() int { return 0 }
