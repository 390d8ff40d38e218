package sum

import "testing"

func TestSum(t *testing.T) {
	if Sum(nil) != 0 || Sum([]int{}) != 0 || Sum([]int{1, 2, 3}) != 6 || Sum([]int{-4, 4, 5}) != 5 {
		t.Fatal("wrong sums")
	}
}

func TestAverage(t *testing.T) {
	if Average(nil) != 0 || Average([]int{1, 2}) != 1.5 || Average([]int{3}) != 3 {
		t.Fatal("wrong averages")
	}
}
