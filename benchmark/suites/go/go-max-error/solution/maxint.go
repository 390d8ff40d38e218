package maxint

import "errors"

func Max(nums []int) (int, error) {
	if len(nums) == 0 {
		return 0, errors.New("empty slice")
	}
	best := nums[0]
	for _, n := range nums[1:] {
		if n > best {
			best = n
		}
	}
	return best, nil
}
