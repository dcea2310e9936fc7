package main

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/partio/terraform-provider-partio/internal/localrun"
	"github.com/partio/terraform-provider-partio/internal/partio"
)

// Environment variables that turn partio-bench into the upload helper: a
// process that uploads one file with the provider's client and exits, so
// that its wall time and memory compare with a curl process.
const (
	uploadHelperEnv     = "PARTIO_BENCH_UPLOAD_FILE"
	uploadHelperURLEnv  = "PARTIO_BENCH_UPLOAD_URL"
	uploadHelperTypeEnv = "PARTIO_BENCH_UPLOAD_CONTENT_TYPE"
)

// uploadContentType is declared for every benchmark upload.
const uploadContentType = "application/octet-stream"

// Memory goals of the provider during an upload: its peak stays below
// maxProviderPeak, and the median peak at the largest size exceeds that at
// the smallest by less than maxProviderGrowth.
const (
	maxProviderPeak   = 64 * mebibyte
	maxProviderGrowth = 4 * mebibyte
)

// runUploadHelper uploads the file named by the environment with
// partio.Client.UploadFile, the call that partio_asset makes, and prints the
// size and SHA-256 that the client computed. It returns the exit code.
func runUploadHelper() int {
	signedURL := os.Getenv(uploadHelperURLEnv)
	u, err := url.Parse(signedURL)
	if err != nil {
		fmt.Fprintln(os.Stderr, "upload helper: invalid signed URL:", err)
		return 1
	}
	// UploadFile sends no token and uses only the signed URL, but a client
	// needs an endpoint and a token to be built.
	client, err := partio.NewClient(partio.Config{
		Endpoint:  u.Scheme + "://" + u.Host,
		Token:     "at_unused",
		UserAgent: "partio-bench",
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "upload helper:", err)
		return 1
	}
	result, err := client.UploadFile(context.Background(), signedURL, os.Getenv(uploadHelperTypeEnv), os.Getenv(uploadHelperEnv))
	if err != nil {
		fmt.Fprintln(os.Stderr, "upload helper:", err)
		return 1
	}
	fmt.Println(result.Size, result.SHA256)
	return 0
}

func assetConfig(source, filename string) string {
	return fmt.Sprintf(`terraform {
  required_providers {
    partio = {
      source = "partio/partio"
    }
  }
}

resource "partio_asset" "bench" {
  source       = %q
  filename     = %q
  content_type = %q
}
`, source, filename, uploadContentType)
}

// uploadFilename is the name of every file of the upload section on the
// emulator, so that it stores one file at a time.
const uploadFilename = "bench-upload.bin"

func (b *bench) uploadSection(ctx context.Context, files *testFiles) (*section, error) {
	sec := &section{
		number: 1,
		title:  "Upload",
		method: []string{
			"For each size, one file of pseudo-random bytes is uploaded to a fresh signed URL from the emulator in three ways, interleaved in each run: " +
				"a process that calls `partio.Client.UploadFile`, the call that `partio_asset` makes (partio-bench itself, started again as a helper); " +
				"`curl -sS --fail -o /dev/null -T FILE -H 'Content-Type: application/octet-stream' URL`; " +
				"and `terraform apply` of one `partio_asset`, with the state removed before each run so that every apply uploads.",
			"Wall time is from starting the process to its exit. The helper's and curl's peak memory is wait4's `ru_maxrss`. " +
				"The provider's peak is the highest `VmHWM` read from `/proc/PID/status` of any provider process that terraform started, " +
				"sampled every " + terraformSampleInterval.String() + "; terraform's peak is its own `VmHWM`, sampled likewise. " +
				"\"Provider read\" is `rchar` of `/proc/PID/io` summed over the provider processes: bytes read from files, pipes and sockets.",
			"The emulator receives every upload in the benchmark's own process, hashes it with SHA-256 and writes it to a temporary directory, " +
				"so each way pays the same server cost. The file is read from the page cache after the first run.",
		},
	}
	session, err := b.startSession(0, map[string]string{"main.tf": "# written per size\n"})
	if err != nil {
		return nil, err
	}
	defer session.Close()
	client, err := partio.NewClient(partio.Config{Endpoint: session.Endpoint, Token: localrun.Token})
	if err != nil {
		return nil, err
	}

	var clientTimes, curlTimes, clientCPU, curlCPU *figure
	var providerPeaks []*figure
	for _, size := range b.cfg.uploadSizes {
		path, err := files.path(size)
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(session.Dir, "main.tf"), []byte(assetConfig(path, uploadFilename)), 0o600); err != nil {
			return nil, err
		}

		tbl := sec.newTable(formatSize(size) + " file")
		clientTimes = tbl.newFigure("UploadFile helper: wall time", unitSeconds)
		curlTimes = tbl.newFigure("curl -T: wall time", unitSeconds)
		applyTimes := tbl.newFigure("terraform apply (one partio_asset): wall time", unitSeconds)
		clientCPU = tbl.newFigure("UploadFile helper: CPU time", unitSeconds)
		curlCPU = tbl.newFigure("curl -T: CPU time", unitSeconds)
		providerCPU := tbl.newFigure("terraform apply: provider CPU time", unitSeconds)
		clientPeak := tbl.newFigure("UploadFile helper: peak memory", unitBytes)
		curlPeak := tbl.newFigure("curl -T: peak memory", unitBytes)
		providerPeak := tbl.newFigure("terraform apply: provider peak memory", unitBytes)
		terraformPeak := tbl.newFigure("terraform apply: terraform peak memory", unitBytes)
		providerRead := tbl.newFigure("terraform apply: provider read", unitBytes)
		providerPeaks = append(providerPeaks, providerPeak)

		var want partio.UploadResult
		for run := 1; run <= b.cfg.runs; run++ {
			b.logf("upload %s run %d/%d", formatSize(size), run, b.cfg.runs)

			// The provider's client, in a process of its own.
			used, result, err := b.uploadWithHelper(ctx, client, path, uploadFilename)
			if err != nil {
				return nil, err
			}
			if result.Size != size {
				return nil, fmt.Errorf("the upload helper sent %d bytes of %s, want %d", result.Size, path, size)
			}
			want = result
			if err := checkStoredAsset(session, uploadFilename, want); err != nil {
				return nil, err
			}
			clientTimes.addDuration(used.elapsed)
			clientCPU.addDuration(used.cpu)
			clientPeak.add(float64(used.rusagePeak))

			// curl, to a URL requested the same way.
			used, err = uploadWithCurl(ctx, client, path, uploadFilename)
			if err != nil {
				return nil, err
			}
			if err := checkStoredAsset(session, uploadFilename, want); err != nil {
				return nil, err
			}
			curlTimes.addDuration(used.elapsed)
			curlCPU.addDuration(used.cpu)
			curlPeak.add(float64(used.rusagePeak))

			// The whole terraform apply.
			if err := removeState(session); err != nil {
				return nil, err
			}
			used, err = b.terraform(ctx, session, "apply", "-auto-approve", "-input=false", "-no-color")
			if err != nil {
				return nil, err
			}
			if err := checkStoredAsset(session, uploadFilename, want); err != nil {
				return nil, err
			}
			applyTimes.addDuration(used.elapsed)
			providerCPU.addDuration(used.providerCPU)
			providerPeak.add(float64(used.providerPeak))
			terraformPeak.add(float64(used.rootPeak))
			providerRead.add(float64(used.providerRead))
		}
	}

	// The targets are decided at the largest size.
	largest := formatSize(b.cfg.uploadSizes[len(b.cfg.uploadSizes)-1])
	uploadRatio := ratio(clientTimes, curlTimes)
	sec.targets = append(sec.targets, target{
		goal: fmt.Sprintf("upload path within 1.15× of curl (%s)", largest),
		measured: fmt.Sprintf("%.2f× (%s vs %s)", uploadRatio,
			unitSeconds.format(clientTimes.median()), unitSeconds.format(curlTimes.median())),
		met: uploadRatio <= 1.15,
		note: fmt.Sprintf("At %s the UploadFile helper used %s of CPU and curl %s. Besides sending the bytes, "+
			"UploadFile computes their SHA-256 for the `sha256` attribute.",
			largest, unitSeconds.format(clientCPU.median()), unitSeconds.format(curlCPU.median())),
	})
	highest, peaks := 0.0, []string{}
	for i, peak := range providerPeaks {
		highest = max(highest, peak.max())
		peaks = append(peaks, formatSize(b.cfg.uploadSizes[i])+": "+unitBytes.format(peak.median()))
	}
	growth := providerPeaks[len(providerPeaks)-1].median() - providerPeaks[0].median()
	sec.targets = append(sec.targets, target{
		goal: fmt.Sprintf("provider peak memory under %s at every size, and flat: less than %s more at %s than at %s",
			formatSize(maxProviderPeak), formatSize(maxProviderGrowth), largest, formatSize(b.cfg.uploadSizes[0])),
		measured: fmt.Sprintf("%s (medians); highest of all runs %s; growth %s",
			strings.Join(peaks, ", "), unitBytes.format(highest), unitBytes.format(growth)),
		met: highest < maxProviderPeak && growth < maxProviderGrowth,
	})
	return sec, nil
}

// uploadWithHelper runs the upload helper on a new signed URL.
func (b *bench) uploadWithHelper(ctx context.Context, client *partio.Client, path, filename string) (usage, partio.UploadResult, error) {
	signedURL, err := client.RequestUploadURL(ctx, filename, uploadContentType)
	if err != nil {
		return usage{}, partio.UploadResult{}, err
	}
	self, err := os.Executable()
	if err != nil {
		return usage{}, partio.UploadResult{}, err
	}
	cmd := exec.CommandContext(ctx, self)
	cmd.Env = append(os.Environ(),
		uploadHelperEnv+"="+path,
		uploadHelperURLEnv+"="+signedURL,
		uploadHelperTypeEnv+"="+uploadContentType,
	)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	used, err := runTimed(cmd)
	if err != nil {
		return usage{}, partio.UploadResult{}, fmt.Errorf("upload helper: %w\n%s", err, stderr.String())
	}
	var result partio.UploadResult
	if _, err := fmt.Sscan(stdout.String(), &result.Size, &result.SHA256); err != nil {
		return usage{}, partio.UploadResult{}, fmt.Errorf("upload helper printed %q, want the size and SHA-256: %w", stdout.String(), err)
	}
	return used, result, nil
}

// uploadWithCurl uploads a file with curl to a new signed URL.
func uploadWithCurl(ctx context.Context, client *partio.Client, path, filename string) (usage, error) {
	signedURL, err := client.RequestUploadURL(ctx, filename, uploadContentType)
	if err != nil {
		return usage{}, err
	}
	cmd := exec.CommandContext(ctx, "curl", "-sS", "--fail", "-o", "/dev/null", "-T", path,
		"-H", "Content-Type: "+uploadContentType, signedURL)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	used, err := runTimed(cmd)
	if err != nil {
		return usage{}, fmt.Errorf("curl upload of %s: %w\n%s", path, err, stderr.String())
	}
	return used, nil
}

// checkStoredAsset checks that the emulator stored the expected bytes.
func checkStoredAsset(s *benchSession, filename string, want partio.UploadResult) error {
	stored, ok := s.Emulator.Asset(filename)
	if !ok {
		return fmt.Errorf("the emulator has no file %s after the upload", filename)
	}
	if stored.Size != want.Size || stored.SHA256 != want.SHA256 {
		return fmt.Errorf("the emulator stored %s with %d bytes and SHA-256 %s, want %d bytes and %s",
			filename, stored.Size, stored.SHA256, want.Size, want.SHA256)
	}
	return nil
}

// formatSize formats a size in MiB or GiB.
func formatSize(size int64) string {
	if size >= 1<<30 && size%(1<<30) == 0 {
		return fmt.Sprintf("%d GiB", size>>30)
	}
	if size%mebibyte == 0 {
		return fmt.Sprintf("%d MiB", size/mebibyte)
	}
	return fmt.Sprintf("%.1f MiB", float64(size)/mebibyte)
}
