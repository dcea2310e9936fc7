package main

import (
	"bufio"
	"bytes"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// runMainEnv makes the test binary run main instead of the tests, so a test
// can start the command as a child process.
const runMainEnv = "PARTIO_EMULATOR_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestCheckLoopback(t *testing.T) {
	cases := []struct {
		addr  string
		valid bool
	}{
		{"127.0.0.1:8787", true},
		{"127.1.2.3:0", true},
		{"localhost:8787", true},
		{"[::1]:8787", true},
		{":8787", false},
		{"0.0.0.0:8787", false},
		{"[::]:8787", false},
		{"192.168.1.10:8787", false},
		{"example.com:8787", false},
		{"127.0.0.1", false},
	}
	for _, tc := range cases {
		err := checkLoopback(tc.addr)
		if tc.valid && err != nil {
			t.Errorf("checkLoopback(%q) = %v, want nil", tc.addr, err)
		}
		if !tc.valid && err == nil {
			t.Errorf("checkLoopback(%q) = nil, want an error", tc.addr)
		}
	}
}

func TestRunRejectsNonLoopbackAddr(t *testing.T) {
	err := run([]string{"-addr", "0.0.0.0:0"})
	if err == nil || !strings.Contains(err.Error(), "must be localhost") {
		t.Errorf("run with -addr 0.0.0.0:0 = %v, want an error naming the allowed hosts", err)
	}
}

// startCommand runs the command as a child process with args and the extra
// environment variables env. It returns the process, a reader of its standard
// output and a buffer that collects its standard error.
func startCommand(t *testing.T, env []string, args ...string) (*exec.Cmd, *bufio.Reader, *lockedBuffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), runMainEnv+"=1")
	cmd.Env = append(cmd.Env, env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := &lockedBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	return cmd, bufio.NewReader(stdout), stderr
}

// lockedBuffer is a bytes.Buffer that the test may read while the process
// writes to it.
type lockedBuffer struct {
	mu     sync.Mutex
	buffer bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buffer.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buffer.String()
}

func TestCommandServesAndStopsOnSIGTERM(t *testing.T) {
	cmd, stdout, stderr := startCommand(t, []string{"PARTIO_TOKEN="}, "-addr", "127.0.0.1:0", "-token", "at_flag")

	listening, err := stdout.ReadString('\n')
	if err != nil {
		t.Fatalf("reading the first output line: %v (stderr %s)", err, stderr)
	}
	match := regexp.MustCompile(`^partio emulator listening on (http://127\.0\.0\.1:(\d+))\n$`).FindStringSubmatch(listening)
	if match == nil || match[2] == "0" {
		t.Fatalf("first line = %q, want the address with the real port", listening)
	}
	endpoint := match[1]
	hint, _ := stdout.ReadString('\n')
	if want := "PARTIO_ENDPOINT=" + endpoint + " PARTIO_TOKEN=at_flag"; !strings.Contains(hint, want) {
		t.Errorf("second line = %q, want it to contain %q", hint, want)
	}

	request, _ := http.NewRequest(http.MethodGet, endpoint+"/job?id=DPcM0BJV", nil)
	request.Header.Set("Authorization", "Bearer at_flag")
	response, err := http.DefaultClient.Do(request)
	if err != nil {
		t.Fatalf("GET /job: %v", err)
	}
	response.Body.Close()
	if response.StatusCode != http.StatusOK {
		t.Errorf("GET /job: status = %d, want 200", response.StatusCode)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v (stderr %s)", err, stderr)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("command did not exit within 15s of SIGTERM")
	}

	storage := regexp.MustCompile(`storage_dir=(\S+)`).FindStringSubmatch(stderr.String())
	if storage == nil {
		t.Fatalf("stderr does not name the storage directory: %s", stderr)
	}
	if _, err := os.Stat(storage[1]); !os.IsNotExist(err) {
		t.Errorf("temporary storage %s after exit: Stat = %v, want not exist", storage[1], err)
	}
}

func TestCommandHidesTokenFromEnvironment(t *testing.T) {
	const secret = "at_secret_from_env"
	cmd, stdout, stderr := startCommand(t, []string{"PARTIO_TOKEN=" + secret}, "-addr", "127.0.0.1:0")

	listening, err := stdout.ReadString('\n')
	if err != nil {
		t.Fatalf("reading the first output line: %v (stderr %s)", err, stderr)
	}
	hint, _ := stdout.ReadString('\n')
	if strings.Contains(listening+hint, secret) {
		t.Errorf("output %q reveals the token from PARTIO_TOKEN", listening+hint)
	}
	if !strings.Contains(hint, "PARTIO_TOKEN is already set") {
		t.Errorf("second line = %q, want it to say that PARTIO_TOKEN is already set", hint)
	}

	endpoint := strings.TrimSpace(strings.TrimPrefix(listening, "partio emulator listening on "))
	request, _ := http.NewRequest(http.MethodGet, endpoint+"/job?id=DPcM0BJV", nil)
	request.Header.Set("Authorization", "Bearer "+secret)
	response, err := http.DefaultClient.Do(request)
	if err != nil {
		t.Fatalf("GET /job: %v", err)
	}
	response.Body.Close()
	if response.StatusCode != http.StatusOK {
		t.Errorf("GET /job with the token from PARTIO_TOKEN: status = %d, want 200", response.StatusCode)
	}

	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("exit after SIGINT: %v (stderr %s)", err, stderr)
	}
}
