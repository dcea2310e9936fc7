# Import a render job by the id that part.io assigned to it.
terraform import partio_render_job.map DPcM0BJV
