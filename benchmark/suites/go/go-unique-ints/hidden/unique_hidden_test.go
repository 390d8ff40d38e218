package unique

import (
	"reflect"
	"testing"
)

func TestUnique(t *testing.T) {
	if got := Unique([]int{3, 1, 3, 2, 1}); !reflect.DeepEqual(got, []int{3, 1, 2}) {
		t.Errorf("got %v", got)
	}
	if got := Unique([]int{5, 5, 5}); !reflect.DeepEqual(got, []int{5}) {
		t.Errorf("got %v", got)
	}
	if got := Unique(nil); len(got) != 0 {
		t.Errorf("got %v", got)
	}
	in := []int{2, 2, 1}
	Unique(in)
	if !reflect.DeepEqual(in, []int{2, 2, 1}) {
		t.Error("the input was changed")
	}
}
