package matrix

func Transpose(m [][]int) [][]int {
	if len(m) == 0 {
		return [][]int{}
	}
	out := make([][]int, len(m[0]))
	for i := range out {
		out[i] = make([]int, len(m))
		for j := range m {
			out[i][j] = m[j][i]
		}
	}
	return out
}
