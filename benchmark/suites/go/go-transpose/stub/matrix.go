package matrix

func Transpose(m [][]int) [][]int {
	return m
}
