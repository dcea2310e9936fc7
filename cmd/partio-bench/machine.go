package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// machine describes where the benchmarks ran.
type machine struct {
	date      string
	cpu       string
	cores     int
	memory    string
	os        string
	kernel    string
	goVersion string
	terraform string
	curl      string
	sha256sum string
	loadStart string
}

func describeMachine(ctx context.Context) machine {
	m := machine{
		date:      time.Now().UTC().Format("2006-01-02 15:04 MST"),
		cpu:       procField("/proc/cpuinfo", "model name"),
		cores:     runtime.NumCPU(),
		memory:    "unknown",
		os:        strings.Trim(procField("/etc/os-release", "PRETTY_NAME"), `"`),
		kernel:    kernelRelease(),
		goVersion: runtime.Version(),
		curl:      firstLine(ctx, "curl", "--version"),
		sha256sum: firstLine(ctx, "sha256sum", "--version"),
		loadStart: loadAverage(),
	}
	if kib, err := strconv.ParseInt(strings.TrimSuffix(procField("/proc/meminfo", "MemTotal"), " kB"), 10, 64); err == nil {
		m.memory = fmt.Sprintf("%.1f GiB", float64(kib)/(1<<20))
	}
	m.terraform = terraformVersion(ctx)
	return m
}

// procField returns the value of the first "name: value" or "name=value"
// line of a file, or "unknown".
func procField(path, name string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return "unknown"
	}
	scanner := bufio.NewScanner(bytes.NewReader(data))
	for scanner.Scan() {
		line := scanner.Text()
		for _, separator := range []string{":", "="} {
			key, value, ok := strings.Cut(line, separator)
			if ok && strings.TrimSpace(key) == name {
				return strings.TrimSpace(value)
			}
		}
	}
	return "unknown"
}

func kernelRelease() string {
	var uname syscall.Utsname
	if err := syscall.Uname(&uname); err != nil {
		return "unknown"
	}
	var release []byte
	for _, c := range uname.Release {
		if c == 0 {
			break
		}
		release = append(release, byte(c))
	}
	return "Linux " + string(release)
}

func firstLine(ctx context.Context, name string, args ...string) string {
	out, err := exec.CommandContext(ctx, name, args...).Output()
	if err != nil {
		return "unknown"
	}
	line, _, _ := strings.Cut(string(out), "\n")
	return strings.TrimSpace(line)
}

func terraformVersion(ctx context.Context) string {
	cmd := exec.CommandContext(ctx, "terraform", "version", "-json")
	cmd.Env = append(os.Environ(), "CHECKPOINT_DISABLE=1")
	out, err := cmd.Output()
	if err != nil {
		return "unknown"
	}
	var version struct {
		TerraformVersion string `json:"terraform_version"`
		Platform         string `json:"platform"`
	}
	if err := json.Unmarshal(out, &version); err != nil {
		return "unknown"
	}
	return version.TerraformVersion + " " + version.Platform
}

// loadAverage returns the 1, 5 and 15 minute load averages.
func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	fields := strings.Fields(string(data))
	if len(fields) < 3 {
		return "unknown"
	}
	return strings.Join(fields[:3], " ")
}
