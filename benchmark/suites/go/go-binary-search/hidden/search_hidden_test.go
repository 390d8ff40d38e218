package search

import "testing"

func TestIndex(t *testing.T) {
	s := []int{-5, 0, 3, 8, 13, 21, 34}
	for i, v := range s {
		if got := Index(s, v); got != i {
			t.Errorf("Index(%d) = %d, want %d", v, got, i)
		}
	}
	for _, v := range []int{-6, 1, 35} {
		if got := Index(s, v); got != -1 {
			t.Errorf("Index(%d) = %d, want -1", v, got)
		}
	}
	if Index(nil, 1) != -1 {
		t.Error("Index(nil, 1) != -1")
	}
}
