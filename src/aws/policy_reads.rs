//! The reads that show what a user may do: its policies (attached and inline, its own and its
//! groups') and its MFA devices. Policy documents come as IAM sends them, URL-encoded.

use super::error::AwsError;
use super::reader::Reader;

impl Reader {
    /// The ARNs of the managed policies attached to `user`.
    pub async fn attached_user_policies(&self, user: &str) -> Result<Vec<String>, AwsError> {
        let output = self
            .iam
            .list_attached_user_policies()
            .user_name(user)
            .send()
            .await
            .map_err(|e| self.failure("iam:ListAttachedUserPolicies", e))?;
        Ok(output
            .attached_policies()
            .iter()
            .filter_map(|p| p.policy_arn().map(str::to_string))
            .collect())
    }

    /// The names of `user`'s inline policies.
    pub async fn user_policy_names(&self, user: &str) -> Result<Vec<String>, AwsError> {
        let output = self
            .iam
            .list_user_policies()
            .user_name(user)
            .send()
            .await
            .map_err(|e| self.failure("iam:ListUserPolicies", e))?;
        Ok(output.policy_names().to_vec())
    }

    pub async fn user_policy(&self, user: &str, name: &str) -> Result<String, AwsError> {
        let output = self
            .iam
            .get_user_policy()
            .user_name(user)
            .policy_name(name)
            .send()
            .await
            .map_err(|e| self.failure("iam:GetUserPolicy", e))?;
        Ok(output.policy_document().to_string())
    }

    /// The groups `user` is in: (name, ARN).
    pub async fn groups(&self, user: &str) -> Result<Vec<(String, String)>, AwsError> {
        let output = self
            .iam
            .list_groups_for_user()
            .user_name(user)
            .send()
            .await
            .map_err(|e| self.failure("iam:ListGroupsForUser", e))?;
        Ok(output
            .groups()
            .iter()
            .map(|g| (g.group_name().to_string(), g.arn().to_string()))
            .collect())
    }

    pub async fn mfa_device_count(&self, user: &str) -> Result<usize, AwsError> {
        let output = self
            .iam
            .list_mfa_devices()
            .user_name(user)
            .send()
            .await
            .map_err(|e| self.failure("iam:ListMFADevices", e))?;
        Ok(output.mfa_devices().len())
    }

    /// The ARNs of the managed policies attached to `group`.
    pub async fn attached_group_policies(&self, group: &str) -> Result<Vec<String>, AwsError> {
        let output = self
            .iam
            .list_attached_group_policies()
            .group_name(group)
            .send()
            .await
            .map_err(|e| self.failure("iam:ListAttachedGroupPolicies", e))?;
        Ok(output
            .attached_policies()
            .iter()
            .filter_map(|p| p.policy_arn().map(str::to_string))
            .collect())
    }

    /// The names of `group`'s inline policies.
    pub async fn group_policy_names(&self, group: &str) -> Result<Vec<String>, AwsError> {
        let output = self
            .iam
            .list_group_policies()
            .group_name(group)
            .send()
            .await
            .map_err(|e| self.failure("iam:ListGroupPolicies", e))?;
        Ok(output.policy_names().to_vec())
    }

    pub async fn group_policy(&self, group: &str, name: &str) -> Result<String, AwsError> {
        let output = self
            .iam
            .get_group_policy()
            .group_name(group)
            .policy_name(name)
            .send()
            .await
            .map_err(|e| self.failure("iam:GetGroupPolicy", e))?;
        Ok(output.policy_document().to_string())
    }

    /// The default version of the managed policy `arn`; `None` when the answer names none.
    pub async fn default_version(&self, arn: &str) -> Result<Option<String>, AwsError> {
        let output = self
            .iam
            .get_policy()
            .policy_arn(arn)
            .send()
            .await
            .map_err(|e| self.failure("iam:GetPolicy", e))?;
        Ok(output
            .policy()
            .and_then(|p| p.default_version_id())
            .map(str::to_string))
    }

    /// The document of `version` of the managed policy `arn`; `None` when the answer holds none.
    pub async fn policy_version(
        &self,
        arn: &str,
        version: &str,
    ) -> Result<Option<String>, AwsError> {
        let output = self
            .iam
            .get_policy_version()
            .policy_arn(arn)
            .version_id(version)
            .send()
            .await
            .map_err(|e| self.failure("iam:GetPolicyVersion", e))?;
        Ok(output
            .policy_version()
            .and_then(|v| v.document())
            .map(str::to_string))
    }
}
