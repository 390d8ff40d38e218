package maxint

func Max(nums []int) (int, error) {
	return 0, nil
}
