package localrun

import (
	"context"
	"os/exec"
)

// Command returns a terraform command for the working directory with the
// session's environment, without starting it, for callers that need the
// process itself: to watch its children or read its resource usage.
// Standard output and error are left unset.
func (s *Session) Command(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, s.terraform, append([]string{"-chdir=" + s.Dir}, args...)...)
	cmd.Env = s.env
	return cmd
}

// Env returns the environment that terraform runs with: the process's own,
// plus the CLI configuration, PARTIO_ENDPOINT and PARTIO_TOKEN of the
// session.
func (s *Session) Env() []string {
	return append([]string(nil), s.env...)
}
