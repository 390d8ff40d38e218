package maxint

import "testing"

func TestMax(t *testing.T) {
	for _, c := range []struct {
		in   []int
		want int
	}{{[]int{3}, 3}, {[]int{1, 9, 4}, 9}, {[]int{-7, -2, -9}, -2}} {
		got, err := Max(c.in)
		if err != nil || got != c.want {
			t.Errorf("Max(%v) = %d, %v; want %d, nil", c.in, got, err, c.want)
		}
	}
	if _, err := Max(nil); err == nil {
		t.Error("Max(nil) gave no error")
	}
}
