package partio

import (
	"testing"
	"time"
)

func TestBackoffCappedWithJitter(t *testing.T) {
	policy := RetryPolicy{MaxRetries: 10, BaseWait: 100 * time.Millisecond, MaxWait: time.Second}
	for n := 1; n <= 8; n++ {
		ceiling := min(policy.BaseWait<<(n-1), policy.MaxWait)
		seen := map[time.Duration]bool{}
		for range 50 {
			wait := policy.backoff(n)
			seen[wait] = true
			if wait < ceiling/2 || wait > ceiling {
				t.Errorf("backoff(%d) = %s, want between %s and %s", n, wait, ceiling/2, ceiling)
			}
		}
		if len(seen) < 2 {
			t.Errorf("backoff(%d) gave the same wait 50 times, want jitter", n)
		}
	}
}

func TestRetryableStatus(t *testing.T) {
	cases := []struct {
		status     int
		idempotent bool
		want       bool
	}{
		{429, false, true}, {503, false, true},
		{500, false, false}, {502, false, false}, {504, false, false},
		{429, true, true}, {500, true, true}, {502, true, true}, {503, true, true}, {504, true, true},
		{400, true, false}, {401, true, false}, {403, true, false}, {404, true, false}, {501, true, false},
	}
	for _, tc := range cases {
		if got := retryableStatus(tc.status, tc.idempotent); got != tc.want {
			t.Errorf("retryableStatus(%d, idempotent %t) = %t, want %t", tc.status, tc.idempotent, got, tc.want)
		}
	}
}
