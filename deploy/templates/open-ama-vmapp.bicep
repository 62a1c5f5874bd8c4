// open-ama as an Azure Compute Gallery VM Application (docs/deploy.md "VM Application"), for fleets defined as
// code: the gallery application and its version, whose install / remove / update commands run the standalone
// shim shipped in the package (the same lines `open-ama deploy vmapp` writes, deploy/vmapp-commands.ts; checked
// by test/unit/deploy/fleet-templates.test.ts). Assign the version in your own VM or scale-set resource:
//
//   applicationProfile: {
//     galleryApplications: [
//       { packageReferenceId: <versionId output>, treatFailureAsDeploymentFailure: true }
//     ]
//   }
//
// (a VM's applicationProfile can only be set in the VM's own full definition, so this sample does not PUT VMs).

param location string = resourceGroup().location
param galleryName string
param appName string = 'open-ama'
@description('Major.Minor.Patch')
param appVersion string
@description('SAS (or otherwise gallery-readable) URL of open-ama-<version>-linux.zip')
@secure()
param packageUrl string
@description('SAS URL of the public settings JSON')
@secure()
param settingsUrl string

var install = 'rm -rf open-ama-pkg && python3 -m zipfile -e open-ama.zip open-ama-pkg && sh open-ama-pkg/bin/open-ama-standalone install --settings open-ama-settings.json; rc=$?; rm -rf open-ama-pkg; exit $rc'
var remove = 'rm -rf open-ama-pkg && python3 -m zipfile -e open-ama.zip open-ama-pkg && sh open-ama-pkg/bin/open-ama-standalone remove; rc=$?; rm -rf open-ama-pkg; exit $rc'
var update = 'rm -rf open-ama-pkg && python3 -m zipfile -e open-ama.zip open-ama-pkg && sh open-ama-pkg/bin/open-ama-standalone update --settings open-ama-settings.json; rc=$?; rm -rf open-ama-pkg; exit $rc'

resource gallery 'Microsoft.Compute/galleries@2024-03-03' existing = {
  name: galleryName
}

resource app 'Microsoft.Compute/galleries/applications@2024-03-03' = {
  parent: gallery
  name: appName
  location: location
  properties: {
    supportedOSType: 'Linux'
    description: 'open-ama: Azure Monitor Agent for Linux, run by the standalone guest-agent shim'
  }
}

resource version 'Microsoft.Compute/galleries/applications/versions@2024-03-03' = {
  parent: app
  name: appVersion
  location: location
  properties: {
    publishingProfile: {
      source: {
        mediaLink: packageUrl
        defaultConfigurationLink: settingsUrl
      }
      manageActions: {
        install: install
        remove: remove
        update: update
      }
      settings: {
        packageFileName: 'open-ama.zip'
        configFileName: 'open-ama-settings.json'
      }
      targetRegions: [
        { name: location, regionalReplicaCount: 1 }
      ]
    }
  }
}

output versionId string = version.id
