import {
  to = partio_render_job.map
  id = "DPcM0BJV"
}
