package main

import (
	"fmt"
	"strings"
	"time"
)

// renderReport writes the Markdown page.
func renderReport(cfg config, m machine, sections []*section, took time.Duration) string {
	var page strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&page, format, args...) }

	w("# Benchmarks\n\n")
	w("How the provider compares with plain `curl` and `sha256sum`, and with terraform's own `terraform_data`, on one machine against the " +
		"part.io emulator on loopback. `make bench` measures everything below and rewrites this page; do not edit it by hand.\n\n")
	if cfg.quick {
		w("> These figures come from a `-quick` run with small files, short renders and few runs. They check that the harness works " +
			"and are not comparable with the targets.\n\n")
	}

	w("## Summary\n\n")
	w("| target | measured (medians) | result |\n|---|---|---|\n")
	for _, sec := range sections {
		for _, t := range sec.targets {
			w("| %s | %s | %s |\n", escapeCell(t.goal), escapeCell(t.measured), result(t))
		}
	}
	w("\n")

	w("## Machine\n\n")
	w("- Date: %s\n", m.date)
	w("- CPU: %s, %d cores\n", m.cpu, m.cores)
	w("- Memory: %s\n", m.memory)
	w("- OS: %s, %s\n", m.os, m.kernel)
	w("- Go: %s; Terraform: %s\n", m.goVersion, m.terraform)
	w("- %s; %s\n", m.curl, m.sha256sum)
	w("- Load average (1, 5, 15 min) at the start: %s; the run took %s\n\n", m.loadStart, took.Round(time.Second))

	w("## Command\n\n")
	w("`make bench` builds the provider into `bin/` and runs partio-bench (`cmd/partio-bench`). The figures on this page come from\n\n")
	w("```sh\n%s\n```\n\n", strings.TrimSpace(cfg.command))

	w("## Method\n\n")
	w("- Every figure is given as the median, minimum and maximum of its runs; the runs column says how many. " +
		"Ratios are ratios of medians.\n")
	w("- The emulator (`internal/emulator`) runs inside partio-bench and serves on `127.0.0.1`; the provider, `terraform`, `curl` " +
		"and the script are separate processes talking to it over loopback. Terraform uses the local build through `dev_overrides` " +
		"and downloads nothing.\n")
	w("- CPU time is user plus system time. For a command that partio-bench starts it comes from wait4 and includes the " +
		"descendants that the command waited for. For a provider process it is `utime` plus `stime` of `/proc/PID/stat`, " +
		"last read before the process exited; \"terraform CPU time, without the provider\" is the first minus the second. " +
		"On a shared machine CPU times vary less than wall times.\n")
	w("- Test files are pseudo-random bytes. Nothing is dropped from the page cache, so files are read warm after the first run.\n")
	w("- The machine may run other work at the same time; the load average above shows how busy it was.\n\n")

	for _, sec := range sections {
		w("## %d. %s\n\n", sec.number, sec.title)
		for _, paragraph := range sec.method {
			w("%s\n\n", paragraph)
		}
		for _, tbl := range sec.tables {
			w("### %s\n\n", tbl.title)
			w("| measure | median | min | max | runs |\n|---|---:|---:|---:|---:|\n")
			for _, f := range tbl.figures {
				w("| %s | %s | %s | %s | %d |\n", escapeCell(f.name),
					f.unit.format(f.median()), f.unit.format(f.min()), f.unit.format(f.max()), len(f.values))
			}
			w("\n")
		}
		w("| target | measured | result |\n|---|---|---|\n")
		for _, t := range sec.targets {
			w("| %s | %s | %s |\n", escapeCell(t.goal), escapeCell(t.measured), result(t))
		}
		w("\n")
		for _, t := range sec.targets {
			if t.note != "" {
				w("%s\n\n", t.note)
			}
		}
		for _, note := range sec.notes {
			w("%s\n\n", note)
		}
	}
	return page.String()
}

func result(t target) string {
	if t.met {
		return "met"
	}
	return "**not met**"
}

func escapeCell(s string) string {
	return strings.ReplaceAll(s, "|", `\|`)
}
