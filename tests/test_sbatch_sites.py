"""What differs between real Slurm sites, against the rendered scripts and the launcher.

    .venv/bin/python -m pytest tests/test_sbatch_sites.py -q      # the slurm tests need the test Slurm

Each case is a way a site's Slurm differs from the one a script was written for, tried on the
test cluster where it can be made here (it has no GPU GRES, so it is a site without one; its
sbatch is 22.05, which refuses options of later releases):

- GPUs: ``--gres=gpu:N`` (most sites), ``--gpus-per-node=N`` (LUMI, NERSC), or no GPU option at
  all where Slurm has no GPU GRES (``gpu_request`` in the profile);
- a setup line (``module load``) that fails on the compute node stops the job, naming the line,
  also after a setup line that turns on ``set -e``;
- a run name, a recipe file or a logs folder with a space (``#SBATCH`` values in double quotes);
- an sbatch option this Slurm does not know, or a value it refuses (a node feature, ``-C``, the
  site has not): the launcher's error names the profile key and file;
- the submitting shell's MASTER_PORT / RANK (a login profile's), and ``SBATCH_EXPORT=NONE``;
- a site without a default partition, and a partition whose time limit is shorter than the job's;
- memory: ``--mem=0`` for whole nodes, and a site that refuses any ``--mem``;
- a MASTER_ADDR a profile's setup line chooses (JSC's InfiniBand names);
- a machine whose batch system is not Slurm (PBS, Grid Engine, PJM).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import cloudpickle
import pytest
import yaml
from submitit.helpers import DelayedSubmission as call

from jiniac_hpc.cluster import JobConfig, load_cluster
from jiniac_hpc.config import ConfigError
from jiniac_hpc.launch.backend import Submission, wait_all
from jiniac_hpc.launch.sbatch import build_spec, render_sbatch
from jiniac_hpc.launch.slurm import SlurmBackend, refusal_key

cloudpickle.register_pickle_by_value(sys.modules[__name__])   # jobs unpickle this module's functions

REPO = Path(__file__).resolve().parents[1]
WAIT = 240


@pytest.fixture()
def site(tmp_path, monkeypatch):
    """Write a cluster profile ``site.yaml`` (the test cluster's, changed by ``kw``) in a profiles
    folder of its own, and load it as a user's ``--cluster site`` would."""
    monkeypatch.setenv("JINIAC_CLUSTERS_DIR", str(tmp_path / "clusters"))
    (tmp_path / "clusters").mkdir()

    def make(**kw):
        data = yaml.safe_load((REPO / "envs" / "clusters" / "local-slurm.yaml").read_text())
        data.update(kw)
        (tmp_path / "clusters" / "site.yaml").write_text(yaml.safe_dump(data))
        return load_cluster("site")
    return make


def _script(cluster, job=JobConfig(gpus=True), name="site", command="true", log_dir="logs/x") -> str:
    return render_sbatch(build_spec(job_name=name, job=job, cluster=cluster, command=command, log_dir=log_dir))


def _test_only(script: str, tmp_path: Path) -> subprocess.CompletedProcess:
    path = tmp_path / "job.sbatch"
    path.write_text(script)
    return subprocess.run(["sbatch", "--test-only", str(path)], cwd=REPO, capture_output=True, text=True)


# ---- GPUs: --gres, --gpus-per-node, or none -------------------------------------------------------

def test_each_gpu_request_form_is_written_as_the_site_names_it(site):
    assert "#SBATCH --gres=gpu:4" in _script(site(gpus_per_node=4))
    assert "#SBATCH --gres=gpu:h100:4" in _script(site(gpus_per_node=4, gres_template="gpu:h100:{n}"))
    text = _script(site(gpus_per_node=4, gpu_request="gpus-per-node"))
    assert "#SBATCH --gpus-per-node=4" in text and "--gres" not in text
    assert "#SBATCH --gpus-per-node=h100:4" in _script(site(gpus_per_node=4, gpu_request="gpus-per-node",
                                                            gres_template="h100:{n}"))
    text = _script(site(gpus_per_node=4, gpu_request="none"))
    assert "--gres" not in text and "--gpus" not in text and "#SBATCH --ntasks-per-node=4" in text
    # without GRES Slurm cannot hand a task part of a node's GPUs
    with pytest.raises(ValueError, match="gpu_request: none"):
        _script(site(gpus_per_node=4, gpu_request="none"), job=JobConfig(gpus=True, gpus_per_task=1))


def test_a_gpu_request_the_site_cannot_read_fails_on_the_login_node_naming_key_and_file(site):
    with pytest.raises(ConfigError, match=r"gres_template: .*--gpus-per-node.*\(from .*site\.yaml\)"):
        site(gpus_per_node=4, gpu_request="gpus-per-node", gres_template="gpu:{n}")
    with pytest.raises(ConfigError, match=r"gpu_request: must be one of .*\(from .*site\.yaml\)"):
        site(gpu_request="gpus")
    with pytest.raises(ConfigError, match=r"sbatch_extra: 'gpus-per-node' is computed .*gpu_request"):
        site(sbatch_extra={"gpus-per-node": "4"})


def test_a_setup_line_that_is_not_a_whole_command_fails_on_the_login_node(site):
    # Each setup line is followed by its own check in the job: an if split over lines (which ran
    # before the checks) would be a syntax error on the compute node, after the queue wait.
    with pytest.raises(ConfigError, match=r"setup: line 1 'if \[ -d /opt/x \]; then' is not a whole shell "
                                          r"command .*\(from .*site\.yaml\)"):
        site(setup=["if [ -d /opt/x ]; then", "module load x", "fi"])
    site(setup=["if [ -d /opt/x ]; then module load x; fi", "export A='b c'  # a comment"])


@pytest.mark.slurm
def test_a_site_without_gpu_gres_takes_gpu_request_none(slurm_cluster, site, tmp_path):
    """The test Slurm has no GRES, as sites with whole GPU nodes: sbatch refuses --gres and
    --gpus-per-node there; with ``gpu_request: none`` the script asks for no GPU option and the
    pre-flight check does not look for GPUs that sinfo cannot list."""
    from jiniac_hpc.launch.preflight import preflight
    from jiniac_hpc.launch.runner import request_for
    from jiniac_hpc.stages import Step

    for form in ("gres", "gpus-per-node"):
        r = _test_only(_script(site(gpus_per_node=1, gpu_request=form)), tmp_path)
        assert r.returncode != 0 and "Invalid generic resource" in r.stderr, (form, r.stderr)
    prof = site(gpus_per_node=1, gpu_request="none")
    r = _test_only(_script(prof), tmp_path)
    assert r.returncode == 0 and "to start at" in r.stderr, r.stderr
    step = Step("train", "x:y", distributed=True)
    preflight(request_for(JobConfig(gpus=True), prof, step, "pretrain", "debug"), prof.partition)
    with pytest.raises(ConfigError, match=r"1 GPUs a node requested.*gpus_per_node in .*site\.yaml"):
        gres = site(gpus_per_node=1)
        preflight(request_for(JobConfig(gpus=True), gres, step, "pretrain", "debug"), gres.partition)


# ---- setup lines --------------------------------------------------------------------------------

def wrote(path):
    Path(path).write_text("ran")
    return "ran"


@pytest.mark.slurm
def test_a_setup_line_that_fails_on_the_node_stops_the_job_naming_it(slurm_cluster, site, logs_dir):
    """``module load`` of a module the site does not have (or no ``module`` command in the batch
    shell): the job had gone on and run the step without the environment. Now it stops before
    srun, its batch log naming the line, its number and the profile's file."""
    prof = site(setup=["export PYTHONUNBUFFERED=1", "module load jiniac-no-such-module/0.0  # cuda, on the site"])
    marker = logs_dir / "ran.txt"
    sub = Submission("setup-fails", JobConfig(time_min=5), logs_dir / "setup")
    (job,) = SlurmBackend(prof).submit(sub, [call(wrote, str(marker))])
    deadline = time.time() + WAIT
    while subprocess.run(["squeue", "-h", "-j", job.job_id], capture_output=True, text=True).stdout.strip():
        assert time.time() < deadline, "job still queued"
        time.sleep(1)
    err = (logs_dir / f"setup-fails-{job.job_id}.batch.err").read_text()
    want = (f"line 2 of setup in {os.environ['JINIAC_CLUSTERS_DIR']}/site.yaml failed (exit status "
            f"{127 if 'not found' in err else 1}): module load jiniac-no-such-module/0.0 # cuda, on the site")
    assert want in err.splitlines(), err
    assert not marker.exists()      # the step never ran



@pytest.mark.slurm
def test_a_profile_whose_setup_turns_on_set_e_still_names_what_failed(slurm_cluster, site, tmp_path):
    """Job scripts often begin ``set -e`` / ``set -xe`` / ``set -euo pipefail`` (JUWELS Booster
    training scripts among them), and a profile's setup copied from one keeps it. Then the batch
    shell ended at the next failing setup line before its check, so the log said only "module:
    command not found", not which line of which profile; and at a failed srun before the line
    saying where the tasks' logs are (its empty .out left behind). Now both are said, and a setup
    line that is only a comment is kept as it is."""
    prof = site(setup=["set -euo pipefail", "# the site's modules", "module load jiniac-no-such-module/0.0"])
    ok = site(setup=["set -euo pipefail", "export PYTHONUNBUFFERED=1  # unbuffered"])
    logs = {}
    for name, cluster in (("setup-e", prof), ("srun-e", ok)):
        spec = build_spec(job_name=name, job=JobConfig(time_min=5), cluster=cluster, command="false",
                          log_dir=str(tmp_path / name), batch_log_dir=str(tmp_path))
        (tmp_path / f"{name}.sbatch").write_text(render_sbatch(spec))
        r = subprocess.run(["sbatch", "--parsable", str(tmp_path / f"{name}.sbatch")], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        logs[name] = r.stdout.strip()
    deadline = time.time() + WAIT
    while subprocess.run(["squeue", "-h", "-j", ",".join(logs.values())], capture_output=True, text=True).stdout.strip():
        assert time.time() < deadline, "jobs still queued"
        time.sleep(1)
    err = (tmp_path / f"setup-e-{logs['setup-e']}.batch.err").read_text()
    assert (f"line 3 of setup in {os.environ['JINIAC_CLUSTERS_DIR']}/site.yaml failed (exit status "
            f"{127 if 'not found' in err else 1}): module load jiniac-no-such-module/0.0") in err.splitlines(), err
    job = logs["srun-e"]
    err = (tmp_path / f"srun-e-{job}.batch.err").read_text()
    assert f"srun ended with exit code 1; the tasks' logs: {tmp_path}/srun-e/{job}_*_log.err" in err.splitlines(), err
    assert not (tmp_path / f"srun-e-{job}.batch.out").exists()


# ---- spaces in names and paths -----------------------------------------------------------------

def test_directive_values_with_spaces_are_quoted_for_sbatch(site):
    text = _script(site(partition="gpu small", sbatch_extra={"constraint": "h100 & ib"}), name="pretrain-my recipe",
                   job=JobConfig())
    assert '#SBATCH --job-name="pretrain-my recipe"' in text and '#SBATCH --partition="gpu small"' in text
    assert '#SBATCH --constraint="h100 & ib"' in text
    with pytest.raises(ConfigError, match=r"sbatch_extra: 'comment: say \"hi\"'.*double quote.*\(from .*site\.yaml\)"):
        site(sbatch_extra={"comment": 'say "hi"'})


@pytest.mark.slurm
def test_a_template_of_a_recipe_whose_name_has_a_space_submits(slurm_cluster, tmp_path):
    """``jiniac templates sft --recipe "my recipe.yaml"``: its job name was ``sft-my recipe``,
    and sbatch refused the script ("Invalid directive found in batch script: recipe")."""
    from jiniac_hpc.launch.templates import template_text

    recipe = tmp_path / "my recipe.yaml"
    recipe.write_text((REPO / "jiniac_hpc" / "recipes" / "sft" / "debug.yaml").read_text())
    text = template_text("sft", recipe=str(recipe))
    assert '#SBATCH --job-name="sft-my recipe"' in text
    r = _test_only(text, tmp_path)
    assert r.returncode == 0 and "to start at" in r.stderr, r.stderr


@pytest.mark.slurm
def test_a_run_whose_name_and_logs_folder_have_spaces_runs(slurm_cluster, logs_dir, monkeypatch):
    """A run name and a ``JINIAC_LOGS`` with a space: the batch log's ``#SBATCH --output`` made
    sbatch refuse the script, and submitit's entry line split the folder in two."""
    from jiniac_hpc.launch.runner import launch

    monkeypatch.setenv("JINIAC_LOGS", str(logs_dir / "my logs"))
    res = launch("selftest", "debug", cluster=slurm_cluster, run_name="my run", overrides=["array_tasks=1"])
    results = res.wait(timeout_s=WAIT)
    assert results["summary"][0]["ok"] is True
    assert res.run_dir == logs_dir / "my logs" / "selftest" / "my run"


# ---- what sbatch refuses, named as the profile's key ------------------------------------------------

def test_sbatch_refusals_name_the_profile_key(site):
    prof = site(sbatch_extra={"gres-flags": "allow-task-sharing"})
    file = f"{os.environ['JINIAC_CLUSTERS_DIR']}/site.yaml"
    assert refusal_key("sbatch: error: Invalid --gres-flags specification", prof) == \
        f"; check sbatch_extra.gres-flags in {file}"
    assert refusal_key("sbatch: error: Batch job submission failed: Invalid account or account/partition "
                       "combination specified", prof) == f"; check account in {file}"
    assert refusal_key("sbatch: error: Invalid generic resource (gres) specification", prof).startswith(
        "; check gpu_request / gres_template / gpus_per_node in ")
    # Slurm's own text (slurm_errno.c) for a request over its QOS's limits, e.g. a 60 min job in
    # NERSC's debug QOS of 30 min (https://docs.nersc.gov/jobs/policy/); sinfo cannot show those
    assert refusal_key("sbatch: error: Batch job submission failed: Job violates accounting/QOS policy (job submit "
                       "limit, user's size and/or time limits)", prof) == \
        f"; check qos, or time_min / nodes within its limits (sacctmgr show qos) in {file}"
    # a site's submit filter where an account is required (JSC, LUMI)
    assert refusal_key("sbatch: error: You have to specify an account for your slurm jobs", prof) == \
        f"; check account in {file}"


def test_a_profile_given_as_a_path_is_named_by_that_path(site, tmp_path):
    # --cluster path/to/site.yaml: the messages named envs/clusters/<stem>.yaml, a file that is not there
    site()
    elsewhere = tmp_path / "mine" / "site.yaml"
    elsewhere.parent.mkdir()
    elsewhere.write_text((tmp_path / "clusters" / "site.yaml").read_text().replace("setup:", "account: proj\nsetup:"))
    prof = load_cluster(str(elsewhere))
    assert refusal_key("sbatch: error: Batch job submission failed: Invalid account or account/partition "
                       "combination specified", prof) == f"; check account in {elsewhere}"
    spec = build_spec(job_name="x", job=JobConfig(), cluster=prof, command="true", log_dir="logs/x")
    assert spec.setup_origin == f"setup in {elsewhere}"
    assert "which jiniac writes" in refusal_key("sbatch: unrecognized option '--kill-on-invalid-dep=yes'", prof)
    assert refusal_key("sbatch: error: something else", prof) == ""


@pytest.mark.slurm
@pytest.mark.parametrize("extra, says", [({"tres-per-task": "cpu:1"}, "unrecognized option '--tres-per-task=cpu:1'"),
                                         ({"constraint": "gpu"}, "Invalid feature specification")])
def test_an_option_sbatch_refuses_here_is_named_with_its_key(slurm_cluster, site, logs_dir, extra, says):
    """A profile written from a newer Slurm's man page (``--tres-per-task``, 23.11): sbatch 22.05
    refuses the script. A node feature the site has not: sites pick node kinds with constraints
    (NERSC Perlmutter's ``-C gpu``, https://docs.nersc.gov/jobs/; Jean Zay's ``-C v100-32g``,
    http://www.idris.fr/eng/jean-zay/gpu/jean-zay-gpu-exec_partition_slurm-eng.html), and a profile
    carried to another site is refused with "Invalid feature specification", where the launcher's
    line had named no key. Its one line names ``sbatch_extra.<option>`` and the file."""
    prof = site(sbatch_extra=extra)
    sub = Submission("refused-option", JobConfig(time_min=5), logs_dir / "refused")
    with pytest.raises(ConfigError) as e:
        SlurmBackend(prof).submit(sub, [call(wrote, str(logs_dir / "never.txt"))])
    msg = str(e.value)
    assert says in msg, msg
    assert msg.endswith(f"; check sbatch_extra.{next(iter(extra))} in {os.environ['JINIAC_CLUSTERS_DIR']}/site.yaml"), msg
    assert "\n" not in msg
    assert not list((logs_dir / "refused").glob("*.pkl"))    # nothing left behind


# ---- the submitting shell's environment -----------------------------------------------------------

#: what a login profile or a torchrun'd session may export (site guides' job scripts set MASTER_PORT)
SHELL_RENDEZVOUS = {"MASTER_ADDR": "login-node-1", "MASTER_PORT": "29500", "RANK": "3", "WORLD_SIZE": "9",
                    "LOCAL_RANK": "3"}


@pytest.mark.parametrize("cluster", ["local", pytest.param("local-slurm", marks=pytest.mark.slurm)])
def test_rendezvous_variables_of_the_submitting_shell_are_not_the_jobs(cluster, logs_dir, monkeypatch, request):
    """sbatch (and the local executor) hand a job the submitting shell's environment. With a
    MASTER_PORT there, every task failed ("Cannot export environment variables as MASTER_PORT is
    already set"), the array's single-process tasks too; two jobs on one node would have shared
    the port. Now the 2-rank rendezvous gets its own address and port, ranks 0 and 1 of 2."""
    from jiniac_hpc.launch.runner import launch

    if cluster != "local":
        request.getfixturevalue("slurm_cluster")
    for k, v in SHELL_RENDEZVOUS.items():
        monkeypatch.setenv(k, v)
    res = launch("selftest", "debug", cluster=cluster, run_name="shell-env", overrides=["array_tasks=1"])
    res.wait(timeout_s=WAIT)     # (a local run has ended inside launch())
    ranks = [json.loads(p.read_text()) for p in sorted((res.run_dir / "selftest").glob("rank-*.json"))]
    assert [r["env"]["RANK"] for r in ranks] == ["0", "1"] and {r["env"]["WORLD_SIZE"] for r in ranks} == {"2"}
    assert {r["env"]["MASTER_ADDR"] for r in ranks} != {"login-node-1"}
    assert len({r["env"]["MASTER_PORT"] for r in ranks}) == 1
    if cluster != "local":   # a port of the job's own, not the shell's
        assert ranks[0]["env"]["MASTER_PORT"] != "29500"
    assert all(r["allreduce_sum"] == 1.0 for r in ranks)


@pytest.mark.slurm
def test_a_site_that_submits_with_export_none_runs_the_tasks_in_the_scripts_environment(slurm_cluster, logs_dir,
                                                                                        monkeypatch):
    """``SBATCH_EXPORT=NONE`` (``#SBATCH --export=NONE``), a default or a recommendation at some
    sites: srun inherits it, and the tasks had none of the script's environment (its setup lines,
    SUBMITIT_EXECUTOR): every task failed with submitit's "Could not figure out which environment
    the job is runnning in". The script's srun passes its environment on."""
    from jiniac_hpc.launch.runner import launch

    monkeypatch.setenv("SBATCH_EXPORT", "NONE")
    res = launch("selftest", "debug", cluster=slurm_cluster, run_name="export-none", overrides=["array_tasks=1"])
    results = res.wait(timeout_s=WAIT)
    assert results["summary"][0]["ok"] is True
    assert "srun --unbuffered --export=ALL " in Path(res.jobs["probe"][0].paths.submission_file).read_text()



@pytest.mark.slurm
def test_a_master_addr_the_profile_sets_is_the_rendezvous_address(slurm_cluster, site, logs_dir):
    """JSC's machines (JUWELS Booster, JURECA-DC: nodes in InfiniBand cells,
    https://apps.fz-juelich.de/jsc/hps/juwels/booster-overview.html) are reached across cells only
    by the first node's name with "i" appended, which job scripts there set ("Allow communication
    over InfiniBand cells": ``MASTER_ADDR="${MASTER_ADDR}i"``, then its address by nslookup). A
    profile's setup line doing that was overwritten with the plain node name (submitit's), and a
    job across cells could not rendezvous. Here the setup line sets the first node's address (the
    test cluster has no second interface): the ranks use it, and the all-reduce runs."""
    from jiniac_hpc.launch.runner import launch

    first_node = 'scontrol show hostnames "$SLURM_JOB_NODELIST" | head -n 1'
    prof = site(setup=["export PYTHONUNBUFFERED=1",
                       f'export MASTER_ADDR="$(getent hosts "$({first_node})" | awk \'{{print $1; exit}}\')"'])
    want = subprocess.run(["getent", "hosts", subprocess.run(["sinfo", "-h", "-N", "-o", "%N"], capture_output=True,
                          text=True).stdout.split()[0]], capture_output=True, text=True).stdout.split()[0]
    res = launch("selftest", "debug", cluster=prof.name, run_name="site-addr", overrides=["array_tasks=1"])
    assert res.wait(timeout_s=WAIT)["summary"][0]["ok"] is True
    ranks = [json.loads(p.read_text()) for p in sorted((res.run_dir / "selftest").glob("rank-*.json"))]
    assert [r["env"]["MASTER_ADDR"] for r in ranks] == [want, want]
    assert all(r["allreduce_sum"] == 1.0 for r in ranks)


# ---- a site without a default partition ---------------------------------------------------------

@pytest.mark.slurm
def test_a_site_without_a_default_partition_is_told_to_set_one(slurm_cluster, site):
    """A profile without ``partition`` on a site whose Slurm has no default one (sbatch without
    -p is refused there): the pre-flight check said "partition '(default)' does not exist here";
    now it says the site has none and lists the partitions (the test cluster's ``debug`` loses
    its Default flag for the test, then gets it back)."""
    from jiniac_hpc.launch.preflight import Request, preflight

    prof = site(partition=None)
    req = Request(1, 1, 1, keys=(("partition", "partition in site.yaml"),))
    preflight(req, prof.partition)        # the default partition takes it
    r = subprocess.run(["scontrol", "update", "PartitionName=debug", "Default=NO"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    try:
        with pytest.raises(ConfigError) as e:
            preflight(req, prof.partition)
        assert str(e.value) == ("this site has no default partition (sinfo marks none with *): set partition in "
                                "site.yaml (partitions here: debug)")
    finally:
        subprocess.run(["scontrol", "update", "PartitionName=debug", "Default=YES"], capture_output=True)
    assert "debug*" in subprocess.run(["sinfo", "-h", "-o", "%P"], capture_output=True, text=True).stdout


# ---- compute nodes that see the checkout under another path ---------------------------------------

@pytest.mark.slurm
def test_a_template_runs_in_the_checkout_sbatch_d_names(slurm_cluster, logs_dir, tmp_path):
    """Compute nodes that mount the checkout under another path than the login node: ``sbatch -D
    PATH`` names it (here a second path to the checkout, submitted from a folder that is no
    checkout). The template had gone to ``SLURM_SUBMIT_DIR`` over ``-D`` and stopped ("submit from
    the jiniac-hpc checkout"); now it runs there, up to srun (JINIAC_PYTHON=false: the step fails)."""
    view = tmp_path / "checkout-as-the-nodes-see-it"
    view.symlink_to(REPO)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "JINIAC_PYTHON": "false", "JINIAC_LOGS": str(logs_dir)}
    r = subprocess.run(["sbatch", "--parsable", "-D", str(view), "-o", str(elsewhere / "slurm-%j.out"),
                        str(REPO / "sbatch_templates" / "sft.sbatch")], cwd=elsewhere, env=env,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    job = r.stdout.strip().split(";")[0]
    deadline = time.time() + WAIT
    while subprocess.run(["squeue", "-h", "-j", job], capture_output=True, text=True).stdout.strip():
        assert time.time() < deadline, "job still queued"
        time.sleep(1)
    log = (elsewhere / f"slurm-{job}.out").read_text()
    want = f"srun ended with exit code 1; the tasks' logs: {logs_dir}/sft/debug-{job}/submitit/{job}_*_log.err"
    assert want in log.splitlines(), log


# ---- a partition's time limit ----------------------------------------------------------------------

def test_partition_time_limits_are_read_as_sinfo_prints_them():
    from jiniac_hpc.launch.preflight import slurm_minutes

    # sinfo's %l: MM:SS below an hour, H:MM:SS, D-HH:MM:SS; "infinite" where there is none
    assert [slurm_minutes(t) for t in ("30:00", "2:00:00", "1-00:00:00", "2-12", "45", "10:30", "infinite",
                                       "UNLIMITED", "n/a")] == [30, 120, 1440, 3600, 45, 10, None, None, None]


@pytest.mark.slurm
def test_a_time_limit_above_the_partitions_is_refused_before_sbatch(slurm_cluster, site):
    """Debug and development partitions have short limits (NERSC Perlmutter's debug QOS 30 min,
    https://docs.nersc.gov/jobs/policy/; LUMI's dev-g 3 h,
    https://docs.lumi-supercomputer.eu/runjobs/scheduled-jobs/partitions/; JUWELS Booster's
    develbooster 2 h, https://apps.fz-juelich.de/jsc/hps/juwels/batchsystem.html). With Slurm's
    default EnforcePartLimits=NO, sbatch accepts a longer job and it pends forever
    (Reason=PartitionTimeLimit; the profile's own max_time_min is optional). Now the pre-flight
    check reads the partition's limit from sinfo and names the key (the test cluster's ``debug``
    gets MaxTime=10 for the test, then loses it)."""
    from jiniac_hpc.launch.preflight import preflight
    from jiniac_hpc.launch.runner import request_for
    from jiniac_hpc.stages import Step

    prof = site()
    step = Step("train", "x:y")
    r = subprocess.run(["scontrol", "update", "PartitionName=debug", "MaxTime=00:10:00"], capture_output=True,
                       text=True)
    assert r.returncode == 0, r.stderr
    try:
        preflight(request_for(JobConfig(time_min=10), prof, step, "pretrain", "debug"), prof.partition)
        with pytest.raises(ConfigError) as e:
            preflight(request_for(JobConfig(), prof, step, "pretrain", "debug"), prof.partition)
        assert str(e.value) == ("time limit 60 min requested, but partition 'debug' allows at most 10 (its MaxTime): "
                                "the job would pend forever (PartitionTimeLimit); lower time_min in "
                                f"{os.environ['JINIAC_CLUSTERS_DIR']}/site.yaml, or choose a partition with "
                                f"partition in {os.environ['JINIAC_CLUSTERS_DIR']}/site.yaml")
        with pytest.raises(ConfigError, match=r"lower job.time_min in .*debug.yaml \(or --set job.time_min=N\)"):
            preflight(request_for(JobConfig(time_min=11), prof, step, "pretrain", "debug"), prof.partition)
    finally:
        subprocess.run(["scontrol", "update", "PartitionName=debug", "MaxTime=UNLIMITED"], capture_output=True)
    assert "infinite" in subprocess.run(["sinfo", "-h", "-o", "%l"], capture_output=True, text=True).stdout


# ---- sites whose batch system is not Slurm ----------------------------------------------------------

@pytest.mark.parametrize("command, says", [("qsub", "PBS or Grid Engine (qsub, as on ABCI 3.0"),
                                           ("pjsub", "Fujitsu's PJM (pjsub, as on Fugaku)")])
def test_a_login_node_of_another_batch_system_is_told_so_in_one_line(site, tmp_path, monkeypatch, command, says):
    """ABCI 3.0 runs PBS Professional (qsub, https://docs.abci.ai/v3/en/job-execution), TSUBAME4.0
    Altair Grid Engine (qsub with ``#$`` lines,
    https://helpdesk.t3.gsic.titech.ac.jp/t4docs_preview/master/faq.ja/scheduler), Fugaku Fujitsu's
    PJM (pjsub, https://www.r-ccs.riken.jp/fugaku/docs/user-guide/sys-use/user-guide-use-1.49/build/en/JobExecution/Overview.html).
    There, without ``--cluster``, every stage ran on the login node as if on a laptop; with a Slurm
    profile the launcher said "cannot ask Slurm about the partition ([Errno 2] No such file or
    directory: 'sinfo')". Now both stop with one line naming the batch system (a PATH with its
    submit command and no Slurm stands for such a login node)."""
    from jiniac_hpc.cluster import resolve_cluster
    from jiniac_hpc.launch.preflight import Request, preflight

    prof = site(partition="gpu")
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / command).write_text("#!/bin/sh\nexit 1\n")
    (tmp_path / "bin" / command).chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    monkeypatch.delenv("JINIAC_CLUSTER", raising=False)
    want = f"this machine submits to {says}"
    with pytest.raises(ConfigError) as e:
        resolve_cluster(None)
    assert str(e.value).startswith(want) and "jiniac writes Slurm jobs only" in str(e.value), e.value
    assert "\n" not in str(e.value)
    with pytest.raises(ConfigError) as e:
        preflight(Request(1, 1, 1), prof.partition)
    assert str(e.value).startswith(want) and str(e.value).endswith("or here with --cluster local"), e.value
    assert resolve_cluster(str(REPO / "envs" / "clusters" / "local.yaml")).executor == "local"   # when asked to


def test_a_profile_for_another_batch_system_is_refused_naming_it(site):
    with pytest.raises(ConfigError, match=r"executor: must be 'slurm' \(sbatch\) or 'local' \(this machine\), got "
                                          r"'pbs': jiniac writes Slurm jobs only.*ABCI 3.0.*\(from .*site\.yaml\)"):
        site(executor="pbs")


def test_a_profile_asking_a_whole_nodes_memory_leaves_part_of_a_node_to_share(site):
    """``mem: '0'`` with ``exclusive`` is how sites say "the whole node" (QMUL's Apocrita: "request
    all the available memory with --mem=0, and all the CPUs (and GPUs if applicable) with
    --exclusive", https://slurm-docs.hpc.qmul.ac.uk/using/submittingjobs/memory). A GPU array task
    on part of a node (job.gpus_per_task) dropped --exclusive but kept --mem=0 (its share of 0 is
    0): each 1-GPU task held all of a node's memory, so no two shared a node and 7 of its 8 GPUs
    sat idle. Now such a task asks no --mem (the site's default applies); a whole-node job keeps it."""
    prof = site(gpus_per_node=8, mem="0", sbatch_extra={"exclusive": ""})
    part = _script(prof, job=JobConfig(gpus=True, gpus_per_task=1))
    assert "#SBATCH --gres=gpu:1" in part and "--mem" not in part and "--exclusive" not in part
    whole = _script(prof)
    assert "#SBATCH --mem=0" in whole and "#SBATCH --exclusive" in whole
    assert "#SBATCH --mem=1G" in _script(site(gpus_per_node=8, mem="8G"), job=JobConfig(gpus=True, gpus_per_task=1))


def test_a_site_that_refuses_memory_requests_gets_none(site):
    """Some sites give memory with the cores or the partition and reject a job that asks for it
    (GRAVITON: "Users are not allowed to manually specify memory using directives like --mem or
    --mem-per-cpu ... doing so will result in job rejection",
    https://som.ific.uv.es/grdocs/memoria.html). A recipe's ``job.mem`` (the tokenizer's 256G) was
    written all the same, and a profile had no way to say so. ``mem_request: false`` writes no
    --mem and the pre-flight check asks for none; a profile that sets both is refused."""
    from jiniac_hpc.launch.runner import request_for
    from jiniac_hpc.stages import Step

    job = JobConfig(mem="256G", cpus_per_task=32)
    assert "#SBATCH --mem=256G" in _script(site(), job=job)
    prof = site(mem_request=False)
    assert "--mem" not in _script(prof, job=job)
    assert request_for(job, prof, Step("train", "x:y"), "tokenizer", "jiniac").mem is None
    with pytest.raises(ConfigError, match=r"mem: '480G' is set, but mem_request is false .*\(from .*site\.yaml\)"):
        site(mem="480G", mem_request=False)


@pytest.mark.slurm
def test_a_recipes_memory_on_a_site_that_gives_memory_a_cpu_submits(slurm_cluster, site, tmp_path):
    """Sites that size memory a core have profiles with ``sbatch_extra: {mem-per-cpu: ...}``
    (Slurm's man page: --mem, --mem-per-cpu and --mem-per-gpu are mutually exclusive,
    https://slurm.schedmd.com/sbatch.html#OPT_mem). A recipe's ``job.mem`` (the tokenizer's 256G)
    added --mem beside it, and sbatch refused the script ("sbatch: fatal: --mem, --mem-per-cpu,
    and --mem-per-gpu are mutually exclusive"). Now the job's --mem replaces the profile's memory
    a CPU; a profile that sets both is refused when loaded."""
    prof = site(sbatch_extra={"mem-per-cpu": "100M"})
    text = _script(prof, job=JobConfig(mem="200M"))
    assert "#SBATCH --mem=200M" in text and "--mem-per-cpu" not in text
    r = _test_only(text, tmp_path)
    assert r.returncode == 0 and "to start at" in r.stderr, r.stderr
    assert "#SBATCH --mem-per-cpu=100M" in _script(prof, job=JobConfig()) and "--mem=" not in _script(prof)
    with pytest.raises(ConfigError, match=r"mem: '8G' and sbatch_extra.mem-per-gpu: sbatch takes one .*site\.yaml"):
        site(mem="8G", sbatch_extra={"mem-per-gpu": "80G"})


@pytest.mark.slurm
def test_an_extra_directive_that_would_override_a_profile_key_is_refused(slurm_cluster, site, tmp_path):
    """A profile copied from a site's job script may carry its partition or time limit under
    ``sbatch_extra`` (``{partition: gpu, time: '1-00:00:00'}``). Those lines came after the
    profile's own and sbatch takes the last one (shown here: the job's limit is the second
    --time), so the job ran in a partition, or with a limit, that the pre-flight check had not
    looked at. Such a key is refused, naming the profile key to set."""
    script = tmp_path / "twice.sbatch"
    script.write_text("#!/bin/bash\n#SBATCH --time=00:20:00\n#SBATCH --time=00:05:00\n#SBATCH -o /dev/null\ntrue\n")
    r = subprocess.run(["sbatch", "--parsable", "--hold", str(script)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    job = r.stdout.strip().split(";")[0]
    try:
        shown = subprocess.run(["scontrol", "show", "job", job], capture_output=True, text=True).stdout
        assert "TimeLimit=00:05:00" in shown, shown
    finally:
        subprocess.run(["scancel", job], capture_output=True)
    with pytest.raises(ConfigError, match=r"sbatch_extra: 'time': set time_min instead .*\(from .*site\.yaml\)"):
        site(sbatch_extra={"time": "1-00:00:00"})
    with pytest.raises(ConfigError, match=r"sbatch_extra: 'partition': set partition instead"):
        site(sbatch_extra={"partition": "gpu"})
    with pytest.raises(ConfigError, match=r"sbatch_extra: 'output': jiniac writes this option itself"):
        site(sbatch_extra={"output": "x.out"})
