package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// usage is the time and memory of a watched command, read from /proc
// while it ran.
type usage struct {
	elapsed time.Duration
	// finished is when the command's exit was noticed.
	finished time.Time
	// rootPeak is the peak resident set (VmHWM) of the command's own
	// process, in bytes, as last read before it exited.
	rootPeak int64
	// rusagePeak is ru_maxrss from wait4, in bytes: the peak of the largest
	// single process among the command and the descendants it waited for.
	rusagePeak int64
	// providerPeak is the highest VmHWM of any provider process started
	// below the command, in bytes.
	providerPeak int64
	// providerRead is the sum of rchar over the provider processes: the
	// bytes they read from files, pipes and sockets.
	providerRead int64
	// providerCPU is the CPU time (user and system) of the provider
	// processes, as last read before each exited.
	providerCPU time.Duration
	// cpu is the CPU time (user and system) of the command and of the
	// descendants it waited for, from wait4.
	cpu time.Duration
	// providerProcesses counts the provider processes that were seen.
	providerProcesses int
	// treePeak is the highest sum of VmRSS over the command and all its
	// descendants at one sample, in bytes.
	treePeak int64
}

// watchOptions configures runWatched.
type watchOptions struct {
	// providerExe is the absolute path of the provider binary; processes
	// running it are reported separately.
	providerExe string
	// interval is the time between two samples of /proc.
	interval time.Duration
}

// runWatched runs cmd to completion and samples the memory of its process
// tree every interval. A process that lives for less than one interval may
// be missed, and growth after the last sample is not seen.
func runWatched(cmd *exec.Cmd, opts watchOptions) (usage, error) {
	started := time.Now()
	if err := cmd.Start(); err != nil {
		return usage{}, err
	}
	done := make(chan struct{})
	sampled := make(chan *sampler, 1)
	go func() {
		s := newSampler(cmd.Process.Pid, opts.providerExe)
		ticker := time.NewTicker(opts.interval)
		defer ticker.Stop()
		for {
			s.sample()
			select {
			case <-done:
				sampled <- s
				return
			case <-ticker.C:
			}
		}
	}()
	waitErr := cmd.Wait()
	finished := time.Now()
	close(done)
	s := <-sampled

	result := s.result()
	result.elapsed = finished.Sub(started)
	result.finished = finished
	if rusage, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		result.rusagePeak = rusage.Maxrss * 1024 // Linux reports kilobytes.
		result.cpu = time.Duration(rusage.Utime.Nano() + rusage.Stime.Nano())
	}
	return result, waitErr
}

// sampler reads /proc for one process tree.
type sampler struct {
	root        int
	providerExe string

	rootPeak      int64
	treePeak      int64
	providerPeaks map[int]int64
	providerReads map[int]int64
	providerCPUs  map[int]time.Duration
}

func newSampler(root int, providerExe string) *sampler {
	return &sampler{
		root:          root,
		providerExe:   providerExe,
		providerPeaks: map[int]int64{},
		providerReads: map[int]int64{},
		providerCPUs:  map[int]time.Duration{},
	}
}

// sample reads the memory of every process in the tree once.
func (s *sampler) sample() {
	var tree int64
	for _, pid := range descendants(s.root) {
		status, err := readStatus(pid)
		if err != nil {
			continue // The process exited since the scan.
		}
		tree += status.rss
		if pid == s.root {
			s.rootPeak = max(s.rootPeak, status.hwm)
			continue
		}
		if s.providerExe == "" || !isExe(pid, s.providerExe) {
			continue
		}
		s.providerPeaks[pid] = max(s.providerPeaks[pid], status.hwm)
		if read, err := readIOChars(pid); err == nil {
			s.providerReads[pid] = max(s.providerReads[pid], read)
		}
		if cpu, err := readCPUTime(pid); err == nil {
			s.providerCPUs[pid] = max(s.providerCPUs[pid], cpu)
		}
	}
	s.treePeak = max(s.treePeak, tree)
}

func (s *sampler) result() usage {
	u := usage{rootPeak: s.rootPeak, treePeak: s.treePeak, providerProcesses: len(s.providerPeaks)}
	for pid, peak := range s.providerPeaks {
		u.providerPeak = max(u.providerPeak, peak)
		u.providerRead += s.providerReads[pid]
		u.providerCPU += s.providerCPUs[pid]
	}
	return u
}

// descendants returns root and every process below it, found through the
// parent ids in /proc/PID/stat. /proc/PID/task/TID/children is not used
// because kernels built without CONFIG_PROC_CHILDREN lack it.
func descendants(root int) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return []int{root}
	}
	children := map[int][]int{}
	for _, entry := range entries {
		pid, err := strconv.Atoi(entry.Name())
		if err != nil {
			continue
		}
		if parent, err := readParent(pid); err == nil {
			children[parent] = append(children[parent], pid)
		}
	}
	tree := []int{root}
	for i := 0; i < len(tree); i++ {
		tree = append(tree, children[tree[i]]...)
	}
	return tree
}

// readParent returns the parent id from /proc/PID/stat.
func readParent(pid int) (int, error) {
	fields, err := readStatFields(pid)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(fields[statParent])
}

// clockTicksPerSecond is USER_HZ, the unit of the times in /proc/PID/stat.
// NOTE: it is 100 on Linux for every common architecture, but the exact
// value is sysconf(_SC_CLK_TCK), which Go cannot read without cgo.
const clockTicksPerSecond = 100

// readCPUTime returns the user and system time of a process from
// /proc/PID/stat, which counts every thread.
func readCPUTime(pid int) (time.Duration, error) {
	fields, err := readStatFields(pid)
	if err != nil {
		return 0, err
	}
	user, err := strconv.ParseInt(fields[statUserTime], 10, 64)
	if err != nil {
		return 0, err
	}
	system, err := strconv.ParseInt(fields[statSystemTime], 10, 64)
	if err != nil {
		return 0, err
	}
	return time.Duration(user+system) * time.Second / clockTicksPerSecond, nil
}

// Indexes into the fields that readStatFields returns, which start at the
// third field of /proc/PID/stat (see proc_pid_stat(5)).
const (
	statParent     = 1
	statUserTime   = 11
	statSystemTime = 12
)

// readStatFields returns the fields of /proc/PID/stat after the command
// name, which is in parentheses and may itself contain spaces and ")".
func readStatFields(pid int) ([]string, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return nil, err
	}
	end := bytes.LastIndexByte(data, ')')
	if end < 0 {
		return nil, errors.New("malformed stat")
	}
	fields := strings.Fields(string(data[end+1:]))
	if len(fields) <= statSystemTime {
		return nil, errors.New("malformed stat")
	}
	return fields, nil
}

// processStatus holds the memory lines of /proc/PID/status, in bytes.
type processStatus struct {
	rss int64
	hwm int64
}

func readStatus(pid int) (processStatus, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return processStatus{}, err
	}
	return parseStatus(data)
}

// parseStatus reads VmRSS and VmHWM, which the kernel gives in kB
// (KiB). A zombie has neither line and gets an error.
func parseStatus(data []byte) (processStatus, error) {
	var status processStatus
	found := 0
	scanner := bufio.NewScanner(bytes.NewReader(data))
	for scanner.Scan() {
		name, value, ok := strings.Cut(scanner.Text(), ":")
		if !ok || (name != "VmRSS" && name != "VmHWM") {
			continue
		}
		kib, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
		if err != nil {
			return processStatus{}, fmt.Errorf("malformed %s line %q", name, value)
		}
		if name == "VmRSS" {
			status.rss = kib * 1024
		} else {
			status.hwm = kib * 1024
		}
		found++
	}
	if found < 2 {
		return processStatus{}, errors.New("no VmRSS or VmHWM: the process has exited")
	}
	return status, nil
}

// readIOChars returns rchar from /proc/PID/io.
func readIOChars(pid int) (int64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/io", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if value, ok := strings.CutPrefix(line, "rchar: "); ok {
			return strconv.ParseInt(value, 10, 64)
		}
	}
	return 0, errors.New("no rchar line")
}

// isExe reports whether the process runs the binary at path. The link is
// read on every sample, because a process forked by terraform runs
// terraform's binary until it calls exec.
func isExe(pid int, path string) bool {
	target, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
	if err != nil {
		return false
	}
	return filepath.Clean(target) == path
}
