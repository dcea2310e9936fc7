package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/partio/terraform-provider-partio/internal/partio"
)

// smallSourceSize is the size of the file whose plan shows the fixed cost
// of a plan: starting terraform and the provider, and reading the state.
const smallSourceSize = 1024

var planArgs = []string{"plan", "-input=false", "-no-color", "-detailed-exitcode"}

func (b *bench) hashingSection(ctx context.Context, files *testFiles) (*section, error) {
	size := b.cfg.uploadSizes[len(b.cfg.uploadSizes)-1]
	sec := &section{
		number: 2,
		title:  "Plan-time hashing",
		method: []string{
			fmt.Sprintf("One `partio_asset` with a %s `source` is applied once. Then each run times, interleaved: "+
				"`terraform plan -detailed-exitcode` of that unchanged configuration, which must exit 0 (no changes); "+
				"the same plan of a configuration whose `source` is a %d-byte file, which shows the fixed cost of a plan; "+
				"and `sha256sum FILE` of the %s file, whose digest must equal the one the emulator computed at upload.", formatSize(size), smallSourceSize, formatSize(size)),
			"\"Provider read\" is `rchar` of the provider processes during the plan: it shows whether the provider read the file.",
		},
	}
	bigPath, err := files.path(size)
	if err != nil {
		return nil, err
	}
	smallPath := filepath.Join(files.dir, "small.bin")
	if err := writeRandomFile(smallPath, smallSourceSize); err != nil {
		return nil, err
	}

	big, bigAsset, err := b.appliedAsset(ctx, bigPath)
	if err != nil {
		return nil, err
	}
	defer big.Close()
	small, _, err := b.appliedAsset(ctx, smallPath)
	if err != nil {
		return nil, err
	}
	defer small.Close()

	tbl := sec.newTable(formatSize(size) + " file")
	bigPlan := tbl.newFigure("terraform plan, "+formatSize(size)+" source: wall time", unitSeconds)
	smallPlan := tbl.newFigure(fmt.Sprintf("terraform plan, %d-byte source: wall time", smallSourceSize), unitSeconds)
	shaTime := tbl.newFigure("sha256sum: wall time", unitSeconds)
	bigCPU := tbl.newFigure("terraform plan, "+formatSize(size)+" source: provider CPU time", unitSeconds)
	smallCPU := tbl.newFigure(fmt.Sprintf("terraform plan, %d-byte source: provider CPU time", smallSourceSize), unitSeconds)
	shaCPU := tbl.newFigure("sha256sum: CPU time", unitSeconds)
	goHash := tbl.newFigure("crypto/sha256 in partio-bench, 1 MiB reads: wall time", unitSeconds)
	bigRead := tbl.newFigure("terraform plan, "+formatSize(size)+" source: provider read", unitBytes)
	bigPeak := tbl.newFigure("terraform plan, "+formatSize(size)+" source: provider peak memory", unitBytes)
	for run := 1; run <= b.cfg.runs; run++ {
		b.logf("hashing run %d/%d", run, b.cfg.runs)
		used, err := b.terraform(ctx, big, planArgs...)
		if err != nil {
			return nil, fmt.Errorf("plan of the unchanged %s asset: %w", formatSize(size), err)
		}
		bigPlan.addDuration(used.elapsed)
		bigCPU.addDuration(used.providerCPU)
		bigRead.add(float64(used.providerRead))
		bigPeak.add(float64(used.providerPeak))

		used, err = b.terraform(ctx, small, planArgs...)
		if err != nil {
			return nil, fmt.Errorf("plan of the unchanged small asset: %w", err)
		}
		smallPlan.addDuration(used.elapsed)
		smallCPU.addDuration(used.providerCPU)

		cmd := exec.CommandContext(ctx, "sha256sum", bigPath)
		var stdout bytes.Buffer
		cmd.Stdout = &stdout
		used, err = runTimed(cmd)
		if err != nil {
			return nil, fmt.Errorf("sha256sum %s: %w", bigPath, err)
		}
		if digest, _, _ := strings.Cut(stdout.String(), " "); digest != bigAsset.SHA256 {
			return nil, fmt.Errorf("sha256sum printed %q, but the emulator stored SHA-256 %s", stdout.String(), bigAsset.SHA256)
		}
		shaTime.addDuration(used.elapsed)
		shaCPU.addDuration(used.cpu)

		elapsed, digest, err := hashFile(bigPath)
		if err != nil {
			return nil, err
		}
		if digest != bigAsset.SHA256 {
			return nil, fmt.Errorf("crypto/sha256 of %s is %s, but the emulator stored SHA-256 %s", bigPath, digest, bigAsset.SHA256)
		}
		goHash.addDuration(elapsed)
	}

	planRatio := ratio(bigPlan, shaTime)
	excess := (bigPlan.median() - smallPlan.median()) / shaTime.median()
	hashing := target{
		goal: fmt.Sprintf("plan with an unchanged %s source within 1.2× of sha256sum", formatSize(size)),
		measured: fmt.Sprintf("%.2f× (%s vs %s)", planRatio,
			unitSeconds.format(bigPlan.median()), unitSeconds.format(shaTime.median())),
		met: planRatio <= 1.2,
		note: fmt.Sprintf("The plan's time beyond that of a %d-byte source is %.2f× sha256sum's; the provider read %s during the plan.",
			smallSourceSize, excess, unitBytes.format(bigRead.median())),
	}
	// /proc is sampled every 20ms, so the reads of a process's last moments
	// may be missed: reading at least half of the file counts as hashing it.
	if bigRead.median() < float64(size)/2 {
		hashing.measured += "; this build does not read the file at plan time"
		estimate := smallPlan.median() + goHash.median()
		sec.notes = append(sec.notes, fmt.Sprintf("The provider read %s during a plan of the %s file, less than half the file, "+
			"so this build does not hash `source` at plan time, and the plan time shows terraform's and the provider's fixed cost only. "+
			"A plan that hashes the file with crypto/sha256 would take roughly the small file's plan time plus crypto/sha256's time: "+
			"an estimate of %s, %.2f× sha256sum.",
			unitBytes.format(bigRead.median()), formatSize(size), unitSeconds.format(estimate), estimate/shaTime.median()))
	}
	sec.targets = append(sec.targets, hashing)
	return sec, nil
}

// appliedAsset starts a session whose configuration uploads one file, and
// applies it.
func (b *bench) appliedAsset(ctx context.Context, path string) (*benchSession, partio.UploadResult, error) {
	filename := filepath.Base(path)
	session, err := b.startSession(0, map[string]string{"main.tf": assetConfig(path, filename)})
	if err != nil {
		return nil, partio.UploadResult{}, err
	}
	if _, err := b.terraform(ctx, session, "apply", "-auto-approve", "-input=false", "-no-color"); err != nil {
		session.Close()
		return nil, partio.UploadResult{}, err
	}
	stored, ok := session.Emulator.Asset(filename)
	if !ok {
		session.Close()
		return nil, partio.UploadResult{}, errors.New("the apply uploaded no file")
	}
	if info, err := os.Stat(path); err != nil || info.Size() != stored.Size {
		session.Close()
		return nil, partio.UploadResult{}, fmt.Errorf("the emulator stored %d bytes of %s", stored.Size, path)
	}
	return session, partio.UploadResult{Size: stored.Size, SHA256: stored.SHA256}, nil
}

// hashFile computes the SHA-256 of a file with crypto/sha256, the hash the
// provider's client uses, and returns the time it took and the hex digest.
func hashFile(path string) (time.Duration, string, error) {
	started := time.Now()
	file, err := os.Open(path)
	if err != nil {
		return 0, "", err
	}
	defer file.Close()
	hash := sha256.New()
	// The anonymous struct hides os.File's WriteTo, which would ignore the
	// buffer.
	if _, err := io.CopyBuffer(hash, struct{ io.Reader }{file}, make([]byte, mebibyte)); err != nil {
		return 0, "", fmt.Errorf("hashing %s: %w", path, err)
	}
	digest := hex.EncodeToString(hash.Sum(nil))
	return time.Since(started), digest, nil
}
