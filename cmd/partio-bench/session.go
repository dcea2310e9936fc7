package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/partio/terraform-provider-partio/internal/localrun"
)

// Sampling intervals of /proc. Terraform's tree is two processes, so it is
// sampled often. The curl script's tree has a hundred processes or more, so
// it is sampled less often to keep the sampler's own CPU use small.
const (
	terraformSampleInterval = 20 * time.Millisecond
	treeSampleInterval      = 100 * time.Millisecond
)

// benchSession is a localrun session whose emulator counts requests.
type benchSession struct {
	*localrun.Session
	counter *requestCounter
}

// startSession serves a new emulator with the given render time and writes
// the Terraform files, by name, into a new working directory.
func (b *bench) startSession(renderTime time.Duration, files map[string]string) (*benchSession, error) {
	configDir, err := os.MkdirTemp("", "partio-bench-config-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(configDir)
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(configDir, name), []byte(content), 0o600); err != nil {
			return nil, err
		}
	}
	counter := newRequestCounter()
	session, err := localrun.Start(localrun.Options{
		ProviderDir: filepath.Dir(b.providerExe),
		ConfigDir:   configDir,
		RenderTime:  renderTime,
		WrapHandler: counter.wrap,
	})
	if err != nil {
		return nil, err
	}
	return &benchSession{Session: session, counter: counter}, nil
}

// terraform runs terraform in the session and watches the memory of its
// process and of the provider processes it starts. Exit code 2 of a plan
// with -detailed-exitcode is returned as errPlanHasChanges.
func (b *bench) terraform(ctx context.Context, s *benchSession, args ...string) (usage, error) {
	return b.terraformWithEnv(ctx, s, nil, args...)
}

// terraformWithEnv is terraform with extra environment variables, such as
// "TF_LOG_SDK=OFF".
func (b *bench) terraformWithEnv(ctx context.Context, s *benchSession, env []string, args ...string) (usage, error) {
	cmd := s.Command(ctx, args...)
	cmd.Env = append(cmd.Env, env...)
	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = &output, &output
	used, err := runWatched(cmd, watchOptions{providerExe: b.providerExe, interval: terraformSampleInterval})
	if err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) && exitErr.ExitCode() == 2 && containsArg(args, "-detailed-exitcode") {
			return used, errPlanHasChanges
		}
		return used, fmt.Errorf("terraform %s: %w\n%s", strings.Join(args, " "), err, tail(output.String(), 4000))
	}
	return used, nil
}

// errPlanHasChanges is returned when a plan that should find nothing to do
// finds changes.
var errPlanHasChanges = errors.New("the plan shows changes where none were expected")

func containsArg(args []string, arg string) bool {
	for _, a := range args {
		if a == arg {
			return true
		}
	}
	return false
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

// removeState deletes the session's state, so that the next apply creates
// every resource again.
func removeState(s *benchSession) error {
	for _, name := range []string{"terraform.tfstate", "terraform.tfstate.backup"} {
		if err := os.Remove(filepath.Join(s.Dir, name)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	return nil
}

// testFiles creates files of pseudo-random bytes on first use.
type testFiles struct {
	dir   string
	paths map[int64]string
}

// newTestFiles checks that the work directory and the emulator's storage
// directory have room for the files and the uploads, and creates an empty
// directory for the files.
func newTestFiles(workDir string, sizes []int64) (*testFiles, error) {
	var total, largest int64
	for _, size := range sizes {
		total += size
		largest = max(largest, size)
	}
	// The test files, one of each size plus a small one, go to workDir. The
	// emulators store uploads in the system's temporary directory: the
	// upload section and the hashing section each keep one file of at most
	// the largest size, and an upload in progress needs as much again.
	filesNeed, storageNeed := total+smallSourceSize, 3*largest
	if sameFileSystem(workDir, os.TempDir()) {
		if err := checkFreeSpace(workDir, filesNeed+storageNeed); err != nil {
			return nil, err
		}
	} else {
		if err := checkFreeSpace(workDir, filesNeed); err != nil {
			return nil, err
		}
		if err := checkFreeSpace(os.TempDir(), storageNeed); err != nil {
			return nil, err
		}
	}
	dir, err := os.MkdirTemp(workDir, "partio-bench-files-")
	if err != nil {
		return nil, err
	}
	return &testFiles{dir: dir, paths: map[int64]string{}}, nil
}

// sameFileSystem reports whether two directories are on one device; it
// returns true when either cannot be examined, which checks the sum.
func sameFileSystem(a, b string) bool {
	infoA, errA := os.Stat(a)
	infoB, errB := os.Stat(b)
	if errA != nil || errB != nil {
		return true
	}
	statA, okA := infoA.Sys().(*syscall.Stat_t)
	statB, okB := infoB.Sys().(*syscall.Stat_t)
	return !okA || !okB || statA.Dev == statB.Dev
}

// reserveBytes is the free space left for everything else on the disk.
const reserveBytes = 2 << 30

func checkFreeSpace(dir string, need int64) error {
	var stat syscall.Statfs_t
	if err := syscall.Statfs(dir, &stat); err != nil {
		return fmt.Errorf("checking free space in %s: %w", dir, err)
	}
	free := int64(stat.Bavail) * stat.Bsize
	if free < need+reserveBytes {
		return fmt.Errorf("%s has %.1f GiB free, and the benchmarks need %.1f GiB plus %.0f GiB to spare; "+
			"pass -work-dir or TMPDIR on a larger disk, or smaller -sizes",
			dir, float64(free)/(1<<30), float64(need)/(1<<30), float64(reserveBytes)/(1<<30))
	}
	return nil
}

// path returns a file of the given size, creating it on first use.
func (f *testFiles) path(size int64) (string, error) {
	if path, ok := f.paths[size]; ok {
		return path, nil
	}
	path := filepath.Join(f.dir, fmt.Sprintf("bench-%d.bin", size))
	if err := writeRandomFile(path, size); err != nil {
		return "", err
	}
	f.paths[size] = path
	return path, nil
}

// writeRandomFile writes size pseudo-random bytes in 1 MiB chunks, so that
// no compression or deduplication along the way makes the file cheaper to
// send than real media.
func writeRandomFile(path string, size int64) error {
	file, err := os.Create(path)
	if err != nil {
		return err
	}
	source := rand.NewChaCha8([32]byte{'p', 'a', 'r', 't', 'i', 'o'})
	chunk := make([]byte, mebibyte)
	for written := int64(0); written < size; {
		n := min(int64(len(chunk)), size-written)
		_, _ = source.Read(chunk[:n]) // ChaCha8.Read always fills chunk and returns nil, as math/rand/v2 documents.
		if _, err := file.Write(chunk[:n]); err != nil {
			_ = file.Close()
			return err
		}
		written += n
	}
	return file.Close()
}

func (f *testFiles) remove() {
	_ = os.RemoveAll(f.dir)
}

// runTimed runs a command without sampling /proc and returns its wall
// time, and its peak resident set and CPU time from wait4.
func runTimed(cmd *exec.Cmd) (usage, error) {
	started := time.Now()
	err := cmd.Run()
	used := usage{finished: time.Now()}
	used.elapsed = used.finished.Sub(started)
	if cmd.ProcessState != nil {
		if rusage, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			used.rusagePeak = rusage.Maxrss * 1024 // Linux reports kilobytes.
			used.cpu = time.Duration(rusage.Utime.Nano() + rusage.Stime.Nano())
		}
	}
	return used, err
}
