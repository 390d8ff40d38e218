package matrix

import (
	"reflect"
	"testing"
)

func TestTranspose(t *testing.T) {
	if got := Transpose([][]int{{1, 2, 3}, {4, 5, 6}}); !reflect.DeepEqual(got, [][]int{{1, 4}, {2, 5}, {3, 6}}) {
		t.Errorf("got %v", got)
	}
	if got := Transpose([][]int{{7}}); !reflect.DeepEqual(got, [][]int{{7}}) {
		t.Errorf("got %v", got)
	}
	if got := Transpose([][]int{{1, 2}, {3, 4}}); !reflect.DeepEqual(got, [][]int{{1, 3}, {2, 4}}) {
		t.Errorf("got %v", got)
	}
	if got := Transpose(nil); len(got) != 0 {
		t.Errorf("got %v", got)
	}
}
