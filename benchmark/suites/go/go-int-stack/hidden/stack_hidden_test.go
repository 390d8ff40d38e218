package stack

import "testing"

func TestStack(t *testing.T) {
	var s Stack
	if _, ok := s.Pop(); ok {
		t.Fatal("Pop on empty stack gave ok")
	}
	s.Push(1)
	s.Push(2)
	s.Push(3)
	if s.Len() != 3 {
		t.Fatalf("Len = %d", s.Len())
	}
	if v, ok := s.Peek(); !ok || v != 3 {
		t.Fatalf("Peek = %d, %v", v, ok)
	}
	for _, want := range []int{3, 2, 1} {
		if v, ok := s.Pop(); !ok || v != want {
			t.Fatalf("Pop = %d, %v; want %d", v, ok, want)
		}
	}
	if _, ok := s.Peek(); ok || s.Len() != 0 {
		t.Fatal("stack not empty at the end")
	}
}
