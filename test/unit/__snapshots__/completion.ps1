# dmshare completion for PowerShell. Install: dmshare completion powershell >> $PROFILE
# (or for this session only: dmshare completion powershell | Out-String | Invoke-Expression)
Register-ArgumentCompleter -Native -CommandName @('dmshare', 'dmshare.cmd', 'dmshare.ps1') -ScriptBlock {
  param($wordToComplete, $commandAst, $cursorPosition)
  $commands = @{
    '' = @{
      Flags = @('-V', '--version', '--no-color', '--verbose', '-h', '--help')
      Tips = @{
        '-V' = 'print the version'
        '--version' = 'print the version'
        '--no-color' = 'no colours (NO_COLOR is respected too)'
        '--verbose' = 'show details of errors'
        '-h' = 'show help'
        '--help' = 'show help'
      }
      Values = @{}
      Subs = @{
        'send' = 'upload photos and copy a view-only link'
        'list' = 'show the links dmshare made'
        'ls' = 'show the links dmshare made'
        'revoke' = 'stop links from working'
        'prune' = 'revoke the links whose expiry has passed (revoke --expired)'
        'sync' = 'reconcile the list of links with what the provider has'
        'inspect' = 'show what a photo tells about you, and what dmshare would send'
        'login' = 'connect dmshare to your account'
        'logout' = 'forget the stored credentials'
        'status' = 'show which accounts dmshare can use'
        'config' = 'read and change settings'
        'completion' = 'print a shell completion script'
        'export' = 'print the whole ledger as JSON'
        'import' = 'add the links of an exported ledger'
        'version' = 'print the version (as --version)'
      }
      Args = $null
    }
    'send' = @{
      Flags = @('--via', '--album', '--each', '-0', '--null', '--any-file', '--new-link', '--concurrency', '--partial', '--dry-run', '--expires', '--no-download', '--password', '--password-stdin', '--keep-metadata', '--convert', '--resize', '--message', '--preset', '--copy', '--no-copy', '--json', '-q', '--quiet', '--open', '--qr', '-h', '--help')
      Tips = @{
        '--via' = 'where to upload (default: dmshare config set provider …)'
        '--album' = 'send the files as one album with this name'
        '--each' = 'one link per file instead of one album, each message naming its file'
        '-0' = 'with -, paths on stdin are separated by NUL (find -print0)'
        '--null' = 'with -, paths on stdin are separated by NUL (find -print0)'
        '--any-file' = 'also send files that are not photos or videos, as they are'
        '--new-link' = 'make a new link even if the same photos already have a live one'
        '--concurrency' = 'how many files of an album upload at once (default: 6; 4 on Google Photos and OneDrive)'
        '--partial' = 'if some files of an album fail to upload, share the rest (exit 5) instead of nothing'
        '--dry-run' = 'show what the real run would do (reuse, expiry and who ends it, what is removed), do nothing'
        '--expires' = 'link stops working after 30m, 12h, 7d, 2w or on a date (2026-12-31)'
        '--no-download' = 'viewers can see but not download (where the plan allows)'
        '--password' = 'viewers must type a password, asked for at the terminal (Dropbox paid plans)'
        '--password-stdin' = 'like --password, but read the password from stdin'
        '--keep-metadata' = 'upload as is, with GPS location and camera details (default: removed)'
        '--convert' = 'turn HEIC/HEIF photos into jpeg (re-encodes them)'
        '--resize' = 'make the longest edge at most this many pixels (re-encodes)'
        '--message' = 'message to copy; placeholders {url} {name} {count} {expires} {provider}'
        '--preset' = 'built-in message wording: casual, friendly, professional, minimal'
        '--copy' = 'copy the message to the clipboard even with the copy setting off'
        '--no-copy' = 'do not copy the message to the clipboard (or: dmshare config set copy off)'
        '--json' = 'print the result as JSON'
        '-q' = 'print only the URL'
        '--quiet' = 'print only the URL'
        '--open' = 'open the link in the browser afterwards'
        '--qr' = 'also show the link as a QR code (on stderr) to scan with a phone'
        '-h' = 'show help'
        '--help' = 'show help'
      }
      Values = @{
        '--via' = @('dropbox', 'gdrive', 'gphotos', 'onedrive')
        '--album' = 'TEXT'
        '--concurrency' = 'TEXT'
        '--expires' = @('30m', '1h', '12h', '1d', '7d', '2w', '30d')
        '--convert' = @('jpeg')
        '--resize' = 'TEXT'
        '--message' = 'TEXT'
        '--preset' = @('casual', 'friendly', 'professional', 'minimal')
      }
      Subs = @{}
      Args = 'FILES'
    }
    'list' = @{
      Flags = @('--json', '-a', '--all', '--provider', '--status', '--since', '--wide', '--header', '-h', '--help')
      Tips = @{
        '--json' = 'print the links as a JSON array; with fields (comma-separated: id,url,name …) only those'
        '-a' = 'include revoked links'
        '--all' = 'include revoked links'
        '--provider' = 'only links of this provider'
        '--status' = 'only links with this status: pending, active, needs-sharing, expired, overdue (past its expiry, still working until dmshare revokes it), revoked'
        '--since' = 'only links made in the last 30m, 12h, 7d … or since a date'
        '--wide' = 'at a terminal, every column and every cell in full (alias: --no-trunc)'
        '--header' = 'when piped, print the column titles first'
        '-h' = 'show help'
        '--help' = 'show help'
      }
      Values = @{
        '--json' = 'TEXT'
        '--provider' = @('dropbox', 'gdrive', 'gphotos', 'onedrive')
        '--status' = @('pending', 'active', 'needs-sharing', 'expired', 'overdue', 'revoked')
        '--since' = @('30m', '1h', '12h', '1d', '7d', '2w', '30d')
      }
      Subs = @{}
      Args = $null
    }
    'revoke' = @{
      Flags = @('--expired', '--older-than', '--album', '--all', '--delete-files', '--dry-run', '-y', '--yes', '--json', '-h', '--help')
      Tips = @{
        '--expired' = 'every link whose expiry has passed'
        '--older-than' = 'every link made longer ago than 30m, 12h, 7d, 2w …'
        '--album' = 'only album links (alone: every album link that still works)'
        '--all' = 'every link that still works'
        '--delete-files' = 'also delete the uploaded files from the provider'
        '--dry-run' = 'show what would be revoked, do nothing'
        '-y' = 'do not ask for confirmation'
        '--yes' = 'do not ask for confirmation'
        '--json' = 'print the result as a JSON array'
        '-h' = 'show help'
        '--help' = 'show help'
      }
      Values = @{
        '--older-than' = @('30m', '1h', '12h', '1d', '7d', '2w', '30d')
      }
      Subs = @{}
      Args = 'TEXT'
    }
    'prune' = @{
      Flags = @('--install', '--uninstall', '--delete-files', '--dry-run', '-y', '--yes', '--json', '-h', '--help')
      Tips = @{
        '--install' = 'run dmshare prune --yes every hour: a systemd user timer (else crontab), a launchd agent on macOS, a scheduled task on Windows'
        '--uninstall' = 'remove that timer'
        '--delete-files' = 'also delete the uploaded files from the provider'
        '--dry-run' = 'show what would be revoked, do nothing'
        '-y' = 'do not ask for confirmation'
        '--yes' = 'do not ask for confirmation'
        '--json' = 'print the result as a JSON array'
        '-h' = 'show help'
        '--help' = 'show help'
      }
      Values = @{}
      Subs = @{}
      Args = $null
    }
    'sync' = @{
      Flags = @('--provider', '--dry-run', '--json', '-h', '--help')
      Tips = @{
        '--provider' = 'only this provider (default: every one logged in)'
        '--dry-run' = 'show what would change, change nothing'
        '--json' = 'print the changes as a JSON array'
        '-h' = 'show help'
        '--help' = 'show help'
      }
      Values = @{
        '--provider' = @('dropbox', 'gdrive', 'gphotos', 'onedrive')
      }
      Subs = @{}
      Args = $null
    }
    'inspect' = @{
      Flags = @('--json', '-h', '--help')
      Tips = @{
        '--json' = 'print one JSON document (an array, one entry per file)'
        '-h' = 'show help'
        '--help' = 'show help'
      }
      Values = @{}
      Subs = @{}
      Args = 'FILES'
    }
    'login' = @{
      Flags = @('--app-key', '--credentials', '--client-id', '--client-secret', '--port', '--no-browser', '--no-redirect', '--device', '--token', '--timeout', '-h', '--help')
      Tips = @{
        '--app-key' = 'your Dropbox app key (or DMSHARE_DROPBOX_APP_KEY)'
        '--credentials' = 'Google: the client_secret.json of your Desktop OAuth client (or DMSHARE_GOOGLE_CREDENTIALS)'
        '--client-id' = 'Google: OAuth client id (or DMSHARE_GOOGLE_CLIENT_ID); OneDrive: Application (client) ID (or DMSHARE_ONEDRIVE_CLIENT_ID)'
        '--client-secret' = 'Google: OAuth client secret (or DMSHARE_GOOGLE_CLIENT_SECRET)'
        '--port' = 'loopback port for the redirect (Dropbox default 53682, Google any)'
        '--no-browser' = 'print the login URL instead of opening a browser'
        '--no-redirect' = 'paste the code Dropbox shows instead of the loopback redirect'
        '--device' = 'Google Drive, OneDrive: show a code to enter on another device (for machines without a browser)'
        '--token' = 'store this access token instead (for scripts; - reads it from stdin)'
        '--timeout' = 'how many seconds to wait for the browser'
        '-h' = 'show help'
        '--help' = 'show help'
      }
      Values = @{
        '--app-key' = 'TEXT'
        '--credentials' = 'FILES'
        '--client-id' = 'TEXT'
        '--client-secret' = 'TEXT'
        '--port' = 'TEXT'
        '--token' = 'TEXT'
        '--timeout' = 'TEXT'
      }
      Subs = @{}
      Args = @('dropbox', 'gdrive', 'gphotos', 'onedrive')
    }
    'logout' = @{
      Flags = @('-h', '--help')
      Tips = @{
        '-h' = 'show help'
        '--help' = 'show help'
      }
      Values = @{}
      Subs = @{}
      Args = @('dropbox', 'gdrive', 'gphotos', 'onedrive')
    }
    'status' = @{
      Flags = @('--json', '-h', '--help')
      Tips = @{
        '--json' = 'print the status as a JSON array'
        '-h' = 'show help'
        '--help' = 'show help'
      }
      Values = @{}
      Subs = @{}
      Args = $null
    }
    'config' = @{
      Flags = @('-h', '--help')
      Tips = @{
        '-h' = 'show help'
        '--help' = 'show help'
      }
      Values = @{}
      Subs = @{
        'get' = 'print a setting'
        'set' = 'change a setting'
        'unset' = 'go back to a setting''s default'
        'list' = 'print every setting, its value and where it comes from'
      }
      Args = $null
    }
    'config get' = @{
      Flags = @('-h', '--help')
      Tips = @{
        '-h' = 'show help'
        '--help' = 'show help'
      }
      Values = @{}
      Subs = @{}
      Args = @('provider', 'message', 'preset', 'metadata', 'copy', 'auto-prune')
    }
    'config set' = @{
      Flags = @('-h', '--help')
      Tips = @{
        '-h' = 'show help'
        '--help' = 'show help'
      }
      Values = @{}
      Subs = @{}
      Args = @('provider', 'message', 'preset', 'metadata', 'copy', 'auto-prune')
    }
    'config unset' = @{
      Flags = @('-h', '--help')
      Tips = @{
        '-h' = 'show help'
        '--help' = 'show help'
      }
      Values = @{}
      Subs = @{}
      Args = @('provider', 'message', 'preset', 'metadata', 'copy', 'auto-prune')
    }
    'config list' = @{
      Flags = @('--json', '-h', '--help')
      Tips = @{
        '--json' = 'print the settings as a JSON object'
        '-h' = 'show help'
        '--help' = 'show help'
      }
      Values = @{}
      Subs = @{}
      Args = $null
    }
    'completion' = @{
      Flags = @('-h', '--help')
      Tips = @{
        '-h' = 'show help'
        '--help' = 'show help'
      }
      Values = @{}
      Subs = @{}
      Args = @('bash', 'zsh', 'fish', 'powershell')
    }
    'export' = @{
      Flags = @('-h', '--help')
      Tips = @{
        '-h' = 'show help'
        '--help' = 'show help'
      }
      Values = @{}
      Subs = @{}
      Args = $null
    }
    'import' = @{
      Flags = @('--json', '-h', '--help')
      Tips = @{
        '--json' = 'print what was imported as JSON'
        '-h' = 'show help'
        '--help' = 'show help'
      }
      Values = @{}
      Subs = @{}
      Args = 'FILES'
    }
    'version' = @{
      Flags = @('-h', '--help')
      Tips = @{
        '-h' = 'show help'
        '--help' = 'show help'
      }
      Values = @{}
      Subs = @{}
      Args = $null
    }
  }
  $aliases = @{
    'ls' = 'list'
  }
  $valueFlags = @('--via', '--album', '--concurrency', '--expires', '--convert', '--resize', '--message', '--preset', '--json', '--provider', '--status', '--since', '--older-than', '--app-key', '--credentials', '--client-id', '--client-secret', '--port', '--token', '--timeout')
  $path = ''
  $valueOf = $null
  foreach ($element in @($commandAst.CommandElements | Select-Object -Skip 1)) {
    if ($element.Extent.EndOffset -ge $cursorPosition) { break }
    $word = $element.Extent.Text
    if ($null -ne $valueOf) { $valueOf = $null; continue }
    if ($valueFlags -contains $word) { $valueOf = $word; continue }
    if ($word.StartsWith('-')) { continue }
    $next = if ($path -eq '') { $word } else { "$path $word" }
    if ($aliases.ContainsKey($next)) { $next = $aliases[$next] }
    if ($commands.ContainsKey($next)) { $path = $next }
  }
  $spec = $commands[$path]
  $tips = @{}
  if ($null -ne $valueOf) {
    $candidates = $spec.Values[$valueOf]
    if ($null -eq $candidates) { $candidates = $commands[''].Values[$valueOf] }
    # FILES: nothing here, so PowerShell completes paths itself; TEXT: nothing to offer.
    if ($candidates -isnot [array]) { return }
  } elseif ($wordToComplete.StartsWith('-')) {
    $candidates = $spec.Flags
    $tips = $spec.Tips
  } elseif ($spec.Subs.Count -gt 0) {
    $candidates = @($spec.Subs.Keys | Sort-Object)
    $tips = $spec.Subs
  } elseif ($spec.Args -is [array]) {
    $candidates = $spec.Args
  } else {
    return
  }
  foreach ($candidate in $candidates) {
    if (-not $candidate.StartsWith($wordToComplete, [System.StringComparison]::OrdinalIgnoreCase)) { continue }
    $tip = if ($tips.ContainsKey($candidate)) { $tips[$candidate] } else { $candidate }
    [System.Management.Automation.CompletionResult]::new($candidate, $candidate, 'ParameterValue', $tip)
  }
}
