package main

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// renderJobConfig returns a configuration of count render jobs from one
// for_each, keyed city-000, city-001 and so on. Each job renders one Maps
// node in test mode; the emulator never looks at the params.
func renderJobConfig(count int) string {
	return fmt.Sprintf(`terraform {
  required_providers {
    partio = {
      source = "partio/partio"
    }
  }
}

resource "partio_render_job" "city" {
  for_each = toset([for i in range(%d) : format("city-%%03d", i)])

  nodes = [{
    id     = "map"
    type   = "Maps"
    inputs = {}
    params = { position = each.key, duration = "00:00:30" }
  }]
  output = {
    node     = "map"
    fps      = 25
    width    = 640
    height   = 360
    duration = "00:00:30"
    name     = each.key
    test     = true
  }
}
`, count)
}

// minPollInterval is the shortest allowed time between two status requests
// of one job.
const minPollInterval = time.Second

// waitAllowance returns the delay that waiting may add to a render: 1 s or
// 10% of the render time, whichever is larger.
func waitAllowance(renderTime time.Duration) time.Duration {
	return max(time.Second, renderTime/10)
}

func (b *bench) waitingSection(ctx context.Context, _ *testFiles) (*section, error) {
	sec := &section{
		number: 3,
		title:  "Waiting",
		method: []string{
			"For each render time, the emulator marks a job done at its creation time plus the render time. " +
				"Each run removes the state and times `terraform apply` of one `partio_render_job`. " +
				"\"Delay after done\" is the apply's exit minus that moment. \"Noticed after done\" is the arrival of the job's last status " +
				"request, the one that was answered `done`, minus that moment; the rest of the delay is terraform saving the state and exiting.",
			"Status requests are counted on the emulator's side, by the `id` query of `GET /job`, and \"shortest interval\" is the shortest time between " +
				"two consecutive status requests of the job.",
			fmt.Sprintf("Runs: %d per render time under a minute, %d per render time of a minute or more.", b.cfg.runs, b.cfg.longRuns),
		},
	}
	shortest := waitInterval{duration: time.Hour}
	var perRenderTime []string
	var schedule waitSchedule
	for _, renderTime := range b.cfg.waitRenderTimes {
		runs := b.cfg.runs
		if renderTime >= time.Minute {
			runs = b.cfg.longRuns
		}
		wait, err := b.measureWait(ctx, sec, renderTime, runs)
		if err != nil {
			return nil, err
		}
		allowance := waitAllowance(renderTime)
		sec.targets = append(sec.targets, target{
			goal: fmt.Sprintf("%s render: waiting adds at most %s", renderTime, allowance),
			measured: fmt.Sprintf("%s (max %s); %s status requests per job",
				unitSeconds.format(wait.delay.median()), unitSeconds.format(wait.delay.max()), unitCount.format(wait.requests.median())),
			met: wait.delay.max() <= allowance.Seconds(),
		})
		if wait.shortest.duration < shortest.duration {
			shortest = wait.shortest
		}
		if wait.shortest.position > 0 {
			perRenderTime = append(perRenderTime, fmt.Sprintf("%s: %s", renderTime, unitSeconds.format(wait.shortest.duration.Seconds())))
		}
		schedule = wait.schedule
	}

	polling := target{
		goal: "no job polled more than once a second",
		measured: fmt.Sprintf("shortest interval between two status requests of one job: %s (%s)",
			unitSeconds.format(shortest.duration.Seconds()), strings.Join(perRenderTime, ", ")),
		met: shortest.duration >= minPollInterval,
	}
	if shortest.position == 0 {
		polling.measured = "one status request per job in every run"
	}
	if !polling.met {
		polling.note = fmt.Sprintf("The shortest interval, %s, lay between status requests %d and %d of one job.",
			unitSeconds.format(shortest.duration.Seconds()), shortest.position, shortest.position+1)
	}
	sec.targets = append(sec.targets, polling)
	sec.notes = append(sec.notes, schedule.describe())
	return sec, nil
}

// waitInterval is the shortest interval between two status requests of a
// job, and the number of the first of the two requests, counted from 1.
type waitInterval struct {
	duration time.Duration
	position int
}

// waitSchedule is when the status of one job was requested.
type waitSchedule struct {
	renderTime time.Duration
	// offsets are the arrival times of the status requests after the job
	// was created.
	offsets []time.Duration
}

func (s waitSchedule) describe() string {
	seconds := make([]string, len(s.offsets))
	for i, offset := range s.offsets {
		seconds[i] = fmt.Sprintf("%.1f", offset.Seconds())
	}
	return fmt.Sprintf("The schedule, as observed in the first run with a render time of %s: status requests arrived %s s after the job was created.",
		s.renderTime, strings.Join(seconds, ", "))
}

// waitFigures are the figures of one render time, with the shortest
// interval of all runs and the schedule of the first run.
type waitFigures struct {
	applyTime *figure
	delay     *figure
	noticed   *figure
	requests  *figure
	shortest  waitInterval
	schedule  waitSchedule
}

// measureWait times applies of one render job, adding a table to sec.
func (b *bench) measureWait(ctx context.Context, sec *section, renderTime time.Duration, runs int) (waitFigures, error) {
	session, err := b.startSession(renderTime, map[string]string{"main.tf": renderJobConfig(1)})
	if err != nil {
		return waitFigures{}, err
	}
	defer session.Close()

	tbl := sec.newTable(fmt.Sprintf("%s render time", renderTime))
	f := waitFigures{
		applyTime: tbl.newFigure("terraform apply: wall time", unitSeconds),
		delay:     tbl.newFigure("delay after done (apply exit)", unitSeconds),
		noticed:   tbl.newFigure("noticed after done (last status request)", unitSeconds),
		requests:  tbl.newFigure("status requests per job", unitCount),
		shortest:  waitInterval{duration: time.Hour},
	}
	shortest := tbl.newFigure("shortest interval between status requests", unitSeconds)
	for run := 1; run <= runs; run++ {
		b.logf("waiting %s run %d/%d", renderTime, run, runs)
		if err := removeState(session); err != nil {
			return waitFigures{}, err
		}
		submitted := len(session.Emulator.Jobs())
		used, err := b.terraform(ctx, session, "apply", "-auto-approve", "-input=false", "-no-color")
		if err != nil {
			return waitFigures{}, err
		}
		jobs := session.Emulator.Jobs()
		if len(jobs) != submitted+1 {
			return waitFigures{}, fmt.Errorf("the apply submitted %d jobs, want 1", len(jobs)-submitted)
		}
		job := jobs[len(jobs)-1]
		if job.Status != "done" {
			return waitFigures{}, fmt.Errorf("job %s is %q after the apply, want done", job.ID, job.Status)
		}
		doneAt := job.Created.Add(renderTime)
		times := session.counter.statusRequests(job.ID)
		if len(times) == 0 {
			return waitFigures{}, fmt.Errorf("the provider never requested the status of job %s", job.ID)
		}

		f.applyTime.addDuration(used.elapsed)
		f.delay.addDuration(used.finished.Sub(doneAt))
		f.noticed.addDuration(times[len(times)-1].Sub(doneAt))
		f.requests.add(float64(len(times)))
		if interval, position, ok := minInterval(times); ok {
			shortest.addDuration(interval)
			if interval < f.shortest.duration {
				f.shortest = waitInterval{duration: interval, position: position}
			}
		}
		if run == 1 {
			f.schedule.renderTime = renderTime
			for _, arrived := range times {
				f.schedule.offsets = append(f.schedule.offsets, arrived.Sub(job.Created))
			}
		}
	}
	return f, nil
}
