# Installs the Hearth agent on Windows for this user only (no admin rights): a pinned Node runtime and the agent
# (one JavaScript file), both checked against SHA-256 sums baked in here; then pairs this computer and starts the
# agent at logon (Task Scheduler).
#
#   irm https://your-hearth-server/install.ps1 | iex
#
# Served by your Hearth server, which fills in its own address (and an install key, from Settings -> Devices).
# Program folder: %LOCALAPPDATA%\Programs\Hearth (or HEARTH_INSTALL_DIR): runtime\node.exe, app\hearth.cjs,
# install.json, bin\hearth.cmd (bin is added to your user PATH; `hearth uninstall` removes it). Settings stay in
# HEARTH_HOME (default %APPDATA%\hearth) and are never touched by a re-run, which updates the program in place.
#
# Exit codes (as $LASTEXITCODE when piped to iex, which must not close your window): 0 everything worked;
# 1 nothing or not everything was installed; 4 installed and paired, but the service could not be started.
#
# Nothing downloaded is ever run as PowerShell: the runtime and the agent are files, checked, then executed as
# programs. Reads no input: it may itself be the input.

$ErrorActionPreference = 'Stop'
# Invoke-WebRequest's progress bar makes Windows PowerShell 5.1 download many times slower.
$ProgressPreference = 'SilentlyContinue'
# Windows PowerShell 5.1 may offer only TLS 1.0/1.1, which npm's registry and most servers refuse: add TLS 1.2.
[Net.ServicePointManager]::SecurityProtocol = [Net.ServicePointManager]::SecurityProtocol -bor [Net.SecurityProtocolType]::Tls12

# Filled by the server when it serves this script.
$Server = '@@HEARTH_SERVER@@'
$InstallKey = '@@HEARTH_INSTALL_KEY@@'
$RuntimeBase = '@@HEARTH_RUNTIME_BASE@@'
# Baked in by scripts/build-agent.mjs.
$Version = '@@BUILD_VERSION@@'
$NodeVersion = '@@BUILD_NODE_VERSION@@'
$AppPath = '@@BUILD_APP_PATH@@'
$AppSha256 = '@@BUILD_APP_SHA256@@'
$Runtimes = @{
  # @@BUILD_RUNTIME_TABLE@@ (the build puts one entry per platform of agent/runtime.json here)
}

class InstallStop : System.Exception {
  [int] $Code
  InstallStop([string] $Message, [int] $Code) : base($Message) { $this.Code = $Code }
}

function Stop-Install([string] $Message) { throw [InstallStop]::new("hearth install: $Message", 1) }

function Get-Download([string] $Url, [string] $File) {
  try {
    Invoke-WebRequest -Uri $Url -OutFile $File -UseBasicParsing
  } catch {
    Stop-Install "could not download $Url ($($_.Exception.Message)); check that $Server is reachable from here and run this again"
  }
}

# Refuses (nothing installed yet) unless the file is exactly what the build pinned.
function Assert-Sha256([string] $File, [string] $Expected, [string] $What) {
  $actual = (Get-FileHash -Algorithm SHA256 -LiteralPath $File).Hash.ToLowerInvariant()
  if ($actual -ne $Expected) {
    Stop-Install "refused: checksum mismatch for $What (expected $Expected, got $actual). Nothing was installed. The download was changed on the way or on the server; try again, and tell whoever runs $Server if it happens again."
  }
}

# The user's PATH as stored (REG_EXPAND_SZ, with %USERPROFILE% and the like unexpanded): [Environment]'s getter
# expands them, and writing that back would freeze them.
function Get-RawUserPath {
  $key = [Microsoft.Win32.Registry]::CurrentUser.OpenSubKey('Environment')
  try { return [string]$key.GetValue('Path', '', [Microsoft.Win32.RegistryValueOptions]::DoNotExpandEnvironmentNames) } finally { $key.Close() }
}

# Writes the user's PATH back as REG_EXPAND_SZ, then tells Windows it changed (setting an unused variable through
# [Environment] broadcasts WM_SETTINGCHANGE), so new terminals see it. `hearth uninstall` does the same.
function Set-RawUserPath([string] $Value) {
  $key = [Microsoft.Win32.Registry]::CurrentUser.OpenSubKey('Environment', $true)
  try { $key.SetValue('Path', $Value, [Microsoft.Win32.RegistryValueKind]::ExpandString) } finally { $key.Close() }
  [Environment]::SetEnvironmentVariable('HEARTH_PATH_CHANGED', $null, 'User')
}

# Moves a new file over an old one; a running node.exe cannot be overwritten, but it can be renamed out of the way.
function Move-IntoPlace([string] $New, [string] $Target) {
  if (Test-Path -LiteralPath $Target) {
    $old = "$Target.old"
    Remove-Item -LiteralPath $old -Force -ErrorAction SilentlyContinue
    Move-Item -LiteralPath $Target -Destination $old -Force
  }
  Move-Item -LiteralPath $New -Destination $Target -Force
}

function Install-Hearth {
  if ($Server -notmatch '^https?://') { Stop-Install "this script was not served by a Hearth server (no server address in it); copy the install line from your server's Settings -> Devices" }
  if (-not [Environment]::Is64BitOperatingSystem) { Stop-Install 'Hearth needs 64-bit Windows' }
  # Windows on Arm runs the x64 runtime under emulation: only x64 is pinned.
  $platform = 'win32-x64'
  $rt = $Runtimes[$platform]
  if ($null -eq $rt) { Stop-Install "no Node runtime is pinned for $platform" }
  # Windows' own bsdtar, by its full path: a GNU tar from Git for Windows earlier on PATH reads C:\... as a remote host.
  $tar = Join-Path $env:SystemRoot 'System32\tar.exe'
  if (-not (Test-Path -LiteralPath $tar)) { Stop-Install "$tar is needed to unpack the Node runtime (it comes with Windows 10 1803 and later)" }

  $dir = if ($env:HEARTH_INSTALL_DIR) { $env:HEARTH_INSTALL_DIR } else { Join-Path $env:LOCALAPPDATA 'Programs\Hearth' }
  $binDir = Join-Path $dir 'bin'
  $launcher = Join-Path $binDir 'hearth.cmd'
  $settings = if ($env:HEARTH_HOME) { $env:HEARTH_HOME } else { Join-Path $env:APPDATA 'hearth' }
  $runtimeExe = Join-Path $dir 'runtime\node.exe'

  Write-Host "Installing the Hearth agent $Version for $platform from $Server"
  $tmp = Join-Path ([IO.Path]::GetTempPath()) ("hearth-" + [Guid]::NewGuid().ToString('n'))
  New-Item -ItemType Directory -Path $tmp | Out-Null
  try {
    # 1. The runtime, unless the same pinned Node is already there.
    $newRuntime = $null
    $have = if (Test-Path -LiteralPath $runtimeExe) { (& $runtimeExe --version 2>$null) } else { '' }
    if ($have -eq "v$NodeVersion") {
      Write-Host "OK Node $NodeVersion already installed"
    } else {
      Write-Host ("... Downloading Node $NodeVersion ({0} MB)" -f [math]::Round($rt.Size / 1MB))
      $tgz = Join-Path $tmp 'runtime.tgz'
      Get-Download "$RuntimeBase/$($rt.Path)" $tgz
      Assert-Sha256 $tgz $rt.Sha256 "the Node runtime ($RuntimeBase/$($rt.Path))"
      $unpack = Join-Path $tmp 'runtime'
      New-Item -ItemType Directory -Path $unpack | Out-Null
      # Out-Host: a native command's output would otherwise become this function's return value (the exit code).
      & $tar -xzf $tgz -C $unpack $rt.Binary | Out-Host
      if ($LASTEXITCODE -ne 0) { Stop-Install "could not unpack $($rt.Binary) from the Node runtime; nothing was installed" }
      $newRuntime = Join-Path $unpack $rt.Binary
      Write-Host "OK Node $NodeVersion downloaded and checked (SHA-256)"
    }

    # 2. The agent.
    Write-Host "... Downloading the Hearth agent $Version"
    $app = Join-Path $tmp 'hearth.cjs'
    Get-Download "$Server$AppPath" $app
    Assert-Sha256 $app $AppSha256 "the agent ($Server$AppPath)"
    Write-Host 'OK Agent downloaded and checked (SHA-256)'

    # 3. Into place.
    Write-Host "... Installing into $dir"
    foreach ($sub in 'runtime', 'app', 'bin') { New-Item -ItemType Directory -Force -Path (Join-Path $dir $sub) | Out-Null }
    if ($newRuntime) { Move-IntoPlace $newRuntime $runtimeExe }
    $appTarget = Join-Path $dir 'app\hearth.cjs'
    if (Test-Path -LiteralPath $appTarget) { Copy-Item -LiteralPath $appTarget -Destination "$appTarget.previous" -Force }
    Move-IntoPlace $app $appTarget
    $record = [ordered]@{ schema = 1; server = $Server; version = $Version; node = $NodeVersion; platform = $platform; launcher = $launcher; installed_at = (Get-Date).ToUniversalTime().ToString('yyyy-MM-ddTHH:mm:ssZ') }
    [IO.File]::WriteAllText((Join-Path $dir 'install.json'), ($record | ConvertTo-Json), (New-Object Text.UTF8Encoding $false))
    # The launcher finds the runtime and the agent from its own folder (%~dp0), so no path is quoted into it.
    [IO.File]::WriteAllText($launcher, "@`"%~dp0..\runtime\node.exe`" `"%~dp0..\app\hearth.cjs`" %*`r`n", (New-Object Text.ASCIIEncoding))
    $entries = @((Get-RawUserPath) -split ';' | Where-Object { $_ })
    if ($entries -notcontains $binDir) {
      Set-RawUserPath (($entries + $binDir) -join ';')
      Write-Host "OK Added $binDir to your PATH (new terminals see it)"
    }
    if (($env:Path -split ';') -notcontains $binDir) { $env:Path = "$env:Path;$binDir" }
    Write-Host "OK Installed: $launcher"
  } finally {
    Remove-Item -LiteralPath $tmp -Recurse -Force -ErrorAction SilentlyContinue
  }

  # 4. Pairing. A line with an install key comes from "Add a computer", whose page waits for this pairing: always
  # pair. Without a key, a computer already paired with this server keeps its pairing (the re-run only updated).
  $credentials = Join-Path $settings 'credentials.json'
  $paired = $false
  if ((-not $InstallKey) -and (Test-Path -LiteralPath $credentials)) {
    # A damaged credentials.json is not a failed install: it means "pair again", which replaces it.
    try { $paired = (Get-Content -Raw -LiteralPath $credentials | ConvertFrom-Json).server -eq $Server } catch { Write-Host "$credentials is damaged; pairing again replaces it." }
  }
  if ($paired) {
    Write-Host "OK Already paired with $Server (to pair again: hearth pair --server $Server)"
  } else {
    Write-Host "... Pairing this computer with $Server"
    # The key goes in the environment, not the command line, which other users of this computer can read. A key the
    # server refuses (expired, or used) becomes a plain pairing.
    $env:HEARTH_INSTALLER = '1'
    $env:HEARTH_INSTALL_KEY = $InstallKey
    try {
      & $launcher pair --server $Server | Out-Host
    } finally {
      Remove-Item Env:HEARTH_INSTALLER, Env:HEARTH_INSTALL_KEY -ErrorAction SilentlyContinue
    }
    if ($LASTEXITCODE -ne 0) { Stop-Install "pairing did not finish (see above). The agent is installed: pair later with ``hearth pair --server $Server``, then run ``hearth service install``." }
  }

  # 5. The background service (a Task Scheduler task at logon).
  Write-Host '... Starting the agent as a background service'
  & $launcher service install | Out-Host
  $serviceOk = $LASTEXITCODE -eq 0

  Write-Host ''
  Write-Host "Program:  $dir"
  Write-Host "Settings: $settings"
  Write-Host "Log file: $(Join-Path $settings 'logs\agent.log')"
  if (-not $serviceOk) {
    Write-Host ''
    Write-Host 'Installed and paired, but the background service could not be started (see above).'
    Write-Host 'Start the agent by hand with: hearth start'
    Write-Host 'Or fix the cause and run:     hearth service install'
    return 4
  }
  Write-Host "OK Done: the Hearth agent $Version is running and starts at logon."
  return 0
}

$code = 1
try {
  $code = Install-Hearth
} catch [InstallStop] {
  Write-Host $_.Exception.Message -ForegroundColor Red
  $code = $_.Exception.Code
} catch {
  # Anything else (a full disk, a file in use): say what, and leave the same exit code as a planned stop.
  Write-Host "hearth install: $($_.Exception.Message). Run the install line again; if it keeps failing, tell whoever runs $Server." -ForegroundColor Red
  $code = 1
}
# Run as a file (powershell -File install.ps1): exit with the code. Piped to iex: `exit` would close the user's
# window, so the code is left in $LASTEXITCODE instead.
if ($MyInvocation.MyCommand.Path) { exit $code } else { $global:LASTEXITCODE = $code }
